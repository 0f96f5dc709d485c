import {expect} from 'chai';
import {topFunctions, type CpuProfile} from '../../src/services/cpuprofile.js';

const frame = (functionName: string, url = '', lineNumber = -1) => ({functionName, url, lineNumber, columnNumber: 0});

// (root) -> main -> {slow, fast}; fast is also reached from another path (node 5, same function).
const profile: CpuProfile = {
  nodes: [
    {id: 1, callFrame: frame('(root)'), children: [2, 6, 7]},
    {id: 2, callFrame: frame('main', 'file:///app/main.js', 9), children: [3, 4, 5]},
    {id: 3, callFrame: frame('slow', 'file:///app/lib.js', 0)},
    {id: 4, callFrame: frame('fast', 'file:///app/lib.js', 19)},
    {id: 5, callFrame: frame('fast', 'file:///app/lib.js', 19)},
    {id: 6, callFrame: frame('(idle)')},
    {id: 7, callFrame: frame('', 'node:internal/main', 4)},
  ],
  startTime: 1_000_000,
  // 100 ms in all.
  endTime: 1_100_000,
  // One slow sample lasting 50 ms; four fast ones of 5 ms each; idle 20 ms; main 5 ms; anonymous 5 ms.
  samples: [3, 4, 4, 5, 5, 6, 2, 7],
  timeDeltas: [0, 50_000, 5_000, 5_000, 5_000, 5_000, 20_000, 5_000],
};

describe('topFunctions', () => {
  it('weighs each sample by the time until the next one (not by hit counts) and sums a function over its call paths', () => {
    const summary = topFunctions(profile);
    expect(summary).to.include({durationMs: 100, samples: 8});
    expect(summary.top).to.deep.equal([
      {function: 'slow', location: '/app/lib.js:1', selfMs: 50, percent: 50},
      {function: 'fast', location: '/app/lib.js:20', selfMs: 20, percent: 20},
      {function: '(anonymous)', location: 'node:internal/main:5', selfMs: 5, percent: 5},
      {function: 'main', location: '/app/main.js:10', selfMs: 5, percent: 5},
    ]);
  });

  it('keeps only the top N', () => {
    expect(topFunctions(profile, 1).top.map((row) => row.function)).to.deep.equal(['slow']);
  });
});
