// Preloaded (`node --require`) into every process a bench measures: when the process exits, appends
// "<pid> <maximum resident set size in KB>" to the file SYSTEMPROMPT_BENCH_RSS_FILE names.
'use strict';
const file = process.env.SYSTEMPROMPT_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports, no-undef -- a CommonJS preload: an ES module one would add the ES loader's start-up to every case, the baseline too
    require('node:fs').appendFileSync(file, `${process.pid} ${process.resourceUsage().maxRSS}\n`);
  });
}
