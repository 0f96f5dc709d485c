import {createAnthropic} from '@ai-sdk/anthropic';
import {createOpenAICompatible} from '@ai-sdk/openai-compatible';
import {startModelStub, type ModelFormat, type ModelStub, type StubStep} from '@systemprompt/testing';
import {APICallError, generateText, jsonSchema, streamText, tool, type LanguageModel, type ModelMessage} from 'ai';
import {expect} from 'chai';

// The model stub of @systemprompt/testing, driven by the real AI SDK providers the agents module uses:
// if the stub's wire formats drift from what the SDK parses, these tests fail before the agent tests do.

const tools = {
  get_weather: tool({
    description: 'The weather forecast of a city',
    inputSchema: jsonSchema<{city: string; days: number}>({
      type: 'object',
      properties: {city: {type: 'string'}, days: {type: 'integer'}},
      required: ['city', 'days'],
    }),
  }),
};

function modelOf(stub: ModelStub, apiKey = 'k'): LanguageModel {
  if (stub.format === 'openai')
    return createOpenAICompatible({name: 'stub', baseURL: stub.url, apiKey, includeUsage: true})('stub-model');
  return createAnthropic({baseURL: stub.url, apiKey})('stub-model');
}

type Mode = 'generateText' | 'streamText';
interface CallInput {
  model: LanguageModel;
  messages: ModelMessage[];
  maxRetries?: number;
}

/** One model call through generateText or streamText, its outcome read the same way for both. */
async function call(mode: Mode, input: CallInput) {
  // An explicit output limit: Anthropic's provider warns about it for a model id it does not know.
  const options = {...input, tools, maxRetries: input.maxRetries ?? 0, maxOutputTokens: 256};
  if (mode === 'generateText') {
    const result = await generateText(options);
    const {text, toolCalls, finishReason, usage, response} = result;
    return {text, toolCalls, finishReason, usage, messages: response.messages};
  }
  const result = streamText({...options, onError: () => {}});
  for await (const part of result.fullStream) if (part.type === 'error') throw part.error;
  const response = await result.response;
  return {
    text: await result.text,
    toolCalls: await result.toolCalls,
    finishReason: await result.finishReason,
    usage: await result.usage,
    messages: response.messages,
  };
}

const ask = (text: string): ModelMessage[] => [{role: 'user', content: text}];

for (const format of ['openai', 'anthropic'] as const satisfies readonly ModelFormat[]) {
  describe(`model stub (${format}) through the AI SDK`, () => {
    let stub: ModelStub;
    const start = async (script: StubStep[], apiKey?: string) => {
      stub = await startModelStub({format, script, ...(apiKey ? {apiKey} : {})});
      return stub;
    };
    afterEach(async () => stub?.close());

    for (const mode of ['generateText', 'streamText'] as const) {
      it(`${mode}: answers with the scripted text and usage`, async () => {
        await start([{text: 'Hello from the stub, in several pieces.', usage: {input: 42, output: 7}}]);
        const result = await call(mode, {model: modelOf(stub), messages: ask('hi')});
        expect(result.text).to.equal('Hello from the stub, in several pieces.');
        expect(result.finishReason).to.equal('stop');
        expect(result.usage.inputTokens).to.equal(42);
        expect(result.usage.outputTokens).to.equal(7);
        expect(stub.requests).to.have.length(1);
        expect(stub.requests[0]!.body.stream === true).to.equal(mode === 'streamText');
        expect(stub.requests[0]!.body.model).to.equal('stub-model');
      });

      it(`${mode}: asks for a tool call, then receives its result in the next request`, async () => {
        await start([
          {toolCalls: [{name: 'get_weather', arguments: {city: 'Paris', days: 2}}], text: 'Let me look.'},
          {text: 'Sunny, 21 degrees.'},
        ]);
        const first = await call(mode, {model: modelOf(stub), messages: ask('weather in Paris?')});
        expect(first.finishReason).to.equal('tool-calls');
        expect(first.toolCalls).to.have.length(1);
        const [toolCall] = first.toolCalls;
        expect(toolCall!.toolName).to.equal('get_weather');
        expect(toolCall!.input).to.deep.equal({city: 'Paris', days: 2});
        expect(toolCall!.toolCallId).to.equal(format === 'openai' ? 'call_1' : 'toolu_1');
        expect(first.usage.inputTokens).to.equal(10);
        expect(first.usage.outputTokens).to.equal(5);
        const declared = stub.requests[0]!.body.tools.map((t: any) => (format === 'openai' ? t.function.name : t.name));
        expect(declared).to.deep.equal(['get_weather']);

        const second = await call(mode, {
          model: modelOf(stub),
          messages: [
            ...ask('weather in Paris?'),
            ...first.messages,
            {
              role: 'tool',
              content: [
                {
                  type: 'tool-result',
                  toolCallId: toolCall!.toolCallId,
                  toolName: 'get_weather',
                  output: {type: 'json', value: {temperature: 21}},
                },
              ],
            },
          ],
        });
        expect(second.text).to.equal('Sunny, 21 degrees.');
        const sent = stub.requests[1]!.body.messages as any[];
        if (format === 'openai') {
          const result = sent.find((message) => message.role === 'tool');
          expect(result.tool_call_id).to.equal('call_1');
          expect(JSON.parse(result.content)).to.deep.equal({temperature: 21});
        } else {
          const blocks = sent.flatMap((message) => (Array.isArray(message.content) ? message.content : []));
          const result = blocks.find((block: any) => block.type === 'tool_result');
          expect(result.tool_use_id).to.equal('toolu_1');
          expect(JSON.stringify(result.content)).to.contain('21');
        }
      });

      it(`${mode}: a 429 with retry-after: 1 is retried after a second`, async () => {
        await start([{status: 429, headers: {'retry-after': '1'}}, {text: 'after the wait'}]);
        const result = await call(mode, {model: modelOf(stub), messages: ask('hi'), maxRetries: 2});
        expect(result.text).to.equal('after the wait');
        expect(stub.requests).to.have.length(2);
        expect(stub.requests[1]!.at - stub.requests[0]!.at).to.be.at.least(900);
      });

      it(`${mode}: a wrong API key gets a 401 and takes no script step`, async () => {
        await start([{text: 'for the right key'}], 'right-key');
        const error = await call(mode, {model: modelOf(stub, 'wrong-key'), messages: ask('hi'), maxRetries: 2}).then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(APICallError.isInstance(error), String(error)).to.equal(true);
        expect((error as APICallError).statusCode).to.equal(401);
        expect(stub.requests).to.have.length(0);
        const result = await call(mode, {model: modelOf(stub, 'right-key'), messages: ask('hi')});
        expect(result.text).to.equal('for the right key');
      });
    }
  });
}

describe('model stub over plain HTTP', () => {
  let stub: ModelStub;
  afterEach(async () => stub?.close());
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${stub.url}${path}`, {method: 'POST', headers: {'content-type': 'application/json', ...headers}, body});

  it('lists its models in each provider shape', async () => {
    stub = await startModelStub({format: 'openai', models: ['a', 'b']});
    expect(await (await fetch(`${stub.url}/models`)).json()).to.deep.equal({
      object: 'list',
      data: [
        {id: 'a', object: 'model', created: 0, owned_by: 'stub'},
        {id: 'b', object: 'model', created: 0, owned_by: 'stub'},
      ],
    });
    await stub.close();
    stub = await startModelStub({format: 'anthropic'});
    const listed = (await (await fetch(`${stub.url}/models`)).json()) as any;
    expect(listed.has_more).to.equal(false);
    expect(listed.data).to.have.length(1);
    expect(listed.data[0]).to.include({id: 'stub-model', type: 'model', display_name: 'stub-model'});
  });

  it('answers a malformed body with 400 and an unknown route with 404, in the provider error shape', async () => {
    stub = await startModelStub({format: 'anthropic', script: [{text: 'unused'}]});
    const malformed = await post('/messages', '{not json');
    expect(malformed.status).to.equal(400);
    expect(await malformed.json()).to.deep.include({type: 'error'});
    const missing = await post('/chat/completions', '{}');
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as any).error.type).to.equal('not_found_error');
    expect(stub.requests).to.have.length(0);
  });

  it('says the script is exhausted with a 500, and uses steps pushed later', async () => {
    stub = await startModelStub({format: 'openai'});
    const exhausted = await post('/chat/completions', '{"model":"m","messages":[]}');
    expect(exhausted.status).to.equal(500);
    expect(((await exhausted.json()) as any).error.message).to.contain('script is exhausted');
    stub.push({text: 'pushed'});
    const answered = (await (await post('/chat/completions', '{"model":"m","messages":[]}')).json()) as any;
    expect(answered.choices[0].message.content).to.equal('pushed');
    expect(stub.requests.map((request) => request.index)).to.deep.equal([0, 1]);
  });

  it('holds a request until its step function answers, and close ends a hung one', async () => {
    let release: (turn: {text: string}) => void = () => {};
    stub = await startModelStub({
      format: 'openai',
      script: [() => new Promise((resolve) => (release = resolve)), {hang: true}],
    });
    const held = post('/chat/completions', '{"messages":[{"role":"user","content":"first"}]}');
    await stub.waitForRequests(1);
    expect(stub.requests[0]!.body.messages[0].content).to.equal('first');
    release({text: 'released'});
    expect(((await (await held).json()) as any).choices[0].message.content).to.equal('released');

    const hung = post('/chat/completions', '{"messages":[]}').then(
      () => 'answered',
      () => 'failed',
    );
    await stub.waitForRequests(2);
    await stub.close();
    expect(await hung).to.equal('failed');
  });
});
