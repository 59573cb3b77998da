import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { costOf, defineTool, textResult } from '../src/index.js';
import { computerTurn, FakeDesktop, modelTurn } from '../src/testing.js';
import { imagesIn, lastToolResults, resultText, sonnetStep, startLoop } from './support/harness.js';

describe('runAgentLoop', () => {
  it('sends tool results back to the model and completes with its final text', async () => {
    const h = startLoop([
      computerTurn({ action: 'screenshot' }),
      computerTurn({ action: 'left_click', coordinate: [100, 200] }),
      modelTurn({ text: 'Done.' }),
    ]);
    const result = await h.result;
    expect(result).toMatchObject({ status: 'completed', result: 'Done.', numTurns: 3, error: null });
    expect(h.model.remaining).toBe(0);
    const [first, second, third] = h.model.requests;
    expect(first?.messages).toHaveLength(1);
    const shot = lastToolResults(second ?? never());
    expect(shot).toHaveLength(1);
    expect(shot[0]?.content[0]).toMatchObject({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png' },
    });
    expect(shot[0]?.is_error).toBeUndefined();
    const click = lastToolResults(third ?? never());
    const clickUse = third?.messages.at(-2)?.content.find((p) => p.type === 'tool_use');
    expect(click[0]?.tool_use_id).toBe(clickUse?.type === 'tool_use' ? clickUse.id : 'missing');
    expect(h.desktop.actions).toEqual([{ type: 'click', x: 100, y: 200, button: 'left', count: 1 }]);
    expect(first?.tools.map((t) => t.name)).toEqual(['computer']);
    // Events: assistant, tool results, assistant, tool results, assistant; progress in between.
    const messages = h.events.filter((e) => e.type === 'message');
    expect(messages.map((e) => e.role)).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(h.events.filter((e) => e.type === 'progress').map((e) => e.state)).toEqual([
      'thinking',
      'acting',
      'thinking',
      'acting',
      'thinking',
    ]);
  });

  it('turns tool failures, unknown tools and invalid input into is_error results and keeps going', async () => {
    const flaky = defineTool({
      name: 'flaky',
      description: 'fails',
      input: z.object({ n: z.number() }),
      async run() {
        throw new Error('disk on fire');
      },
    });
    const h = startLoop(
      [
        modelTurn({ toolCalls: [{ name: 'flaky', input: { n: 1 } }] }),
        modelTurn({ toolCalls: [{ name: 'nope', input: {} }] }),
        modelTurn({ toolCalls: [{ name: 'flaky', input: { n: 'x' } }] }),
        computerTurn({ action: 'left_click' }),
        modelTurn({ text: 'gave up gracefully' }),
      ],
      { extraTools: [flaky] },
    );
    const result = await h.result;
    expect(result.status).toBe('completed');
    const errors = h.model.requests.slice(1).map((r) => lastToolResults(r)[0]);
    expect(errors.map((e) => e?.is_error)).toEqual([true, true, true, true]);
    expect(resultText(errors[0] ?? never())).toBe('disk on fire');
    expect(resultText(errors[1] ?? never())).toMatch(/Unknown tool "nope"/);
    expect(resultText(errors[2] ?? never())).toMatch(/Invalid input for flaky/);
    expect(resultText(errors[3] ?? never())).toMatch(/cursor position is not known/);
  });

  it('keeps at most N+K screenshots in every request and replaces the oldest K at once', async () => {
    const steps = Array.from({ length: 14 }, () => computerTurn({ action: 'screenshot' }));
    const h = startLoop([...steps, modelTurn({ text: 'ok' })]);
    expect((await h.result).status).toBe('completed');
    const counts = h.model.requests.map(imagesIn);
    expect(counts).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 4, 5, 6, 7, 8, 4]);
    const compacted = h.model.requests[9];
    const notes = JSON.stringify(compacted?.messages).match(/older screenshot omitted/g) ?? [];
    expect(notes).toHaveLength(5);
    // The cached prefix changes only at compaction: the breakpoint before it sits on the newest message
    // of the previous request; at compaction it moves before the first rewritten message.
    expect(h.model.requests[8]?.cacheBreakpoints).toEqual([14, 16]);
    expect(h.model.requests[9]?.cacheBreakpoints).toEqual([1, 18]);
  });

  it('asks the human before exceeding the budget by more than one step and fails on no', async () => {
    const questions: string[] = [];
    const h = startLoop(
      Array.from({ length: 10 }, () => computerTurn({ action: 'screenshot' }, sonnetStep)),
      {
        limits: { budgetUsd: 0.01 },
        askHuman: async (q) => {
          questions.push(q.question);
          return 'no';
        },
      },
    );
    const result = await h.result;
    const step = costOf('claude-sonnet-4-6', sonnetStep);
    expect(result).toMatchObject({ status: 'failed', error: 'budget exceeded', numTurns: 3 });
    expect(result.totalCostUsd).toBeGreaterThanOrEqual(0.01);
    expect(result.totalCostUsd - 0.01).toBeLessThanOrEqual(step);
    expect(questions).toEqual(['budget of $0.01 reached after 3 steps; continue with another $0.01?']);
    expect(h.events.some((e) => e.type === 'progress' && e.state === 'budget')).toBe(true);
  });

  it('continues with another budget on yes, and fails when the question times out', async () => {
    const answers = ['yes', null];
    const h = startLoop(
      Array.from({ length: 10 }, () => computerTurn({ action: 'screenshot' }, sonnetStep)),
      { limits: { budgetUsd: 0.01 }, askHuman: async () => answers.shift() ?? null },
    );
    const result = await h.result;
    expect(result).toMatchObject({ status: 'failed', error: 'budget exceeded', numTurns: 5 });
  });

  it('stops at max_turns with budget exceeded when nobody can be asked', async () => {
    const h = startLoop(
      Array.from({ length: 5 }, () => computerTurn({ action: 'screenshot' })),
      { limits: { maxTurns: 2 } },
    );
    expect(await h.result).toMatchObject({
      status: 'failed',
      error: 'budget exceeded (max_turns)',
      numTurns: 2,
    });
  });

  it('warns at the 10th identical click and blocks from the 20th, visible in the next requests', async () => {
    // The model looks first (observations never count), then clicks the same spot 25 times.
    const clicks = Array.from({ length: 25 }, () =>
      computerTurn({ action: 'left_click', coordinate: [50, 60] }),
    );
    const h = startLoop([computerTurn({ action: 'screenshot' }), ...clicks, modelTurn({ text: 'stuck' })]);
    expect((await h.result).status).toBe('completed');
    const results = h.model.requests.slice(2).map((r) => lastToolResults(r)[0] ?? never());
    expect(results).toHaveLength(25);
    const kinds = results.map((r) =>
      r.is_error ? 'block' : /^Warning/m.test(resultText(r)) ? 'warn' : 'ok',
    );
    expect(kinds).toEqual([
      ...Array<string>(9).fill('ok'),
      ...Array<string>(10).fill('warn'),
      ...Array<string>(6).fill('block'),
    ]);
    expect(resultText(results[19] ?? never())).toMatch(/Blocked: .* 20 times .*change your approach/i);
    // Warned calls ran and still returned their screenshot; blocked ones never reached the desktop.
    expect(results[9]?.content[0]?.type).toBe('image');
    expect(h.desktop.actions).toHaveLength(19);
  });

  it('does not count a repeated click on a changing screen, nor screenshots, as a loop', async () => {
    const desktop = new FakeDesktop({ changesOnAction: true });
    const steps = Array.from({ length: 24 }, (_, i) =>
      computerTurn(i % 2 === 0 ? { action: 'left_click', coordinate: [5, 5] } : { action: 'screenshot' }),
    );
    const h = startLoop([...steps, modelTurn({ text: 'paged' })], { desktop });
    expect((await h.result).status).toBe('completed');
    const texts = h.model.requests.slice(1).map((r) => resultText(lastToolResults(r)[0] ?? never()));
    expect(texts.every((t) => t === '')).toBe(true);
  });

  it('warns at 6 and blocks at 12 on an A/B ping-pong', async () => {
    const steps = Array.from({ length: 12 }, (_, i) =>
      computerTurn({ action: 'key', text: i % 2 ? 'Up' : 'Down' }),
    );
    const h = startLoop([computerTurn({ action: 'screenshot' }), ...steps, modelTurn({ text: 'end' })]);
    await h.result;
    const results = h.model.requests.slice(2).map((r) => lastToolResults(r)[0] ?? never());
    const kinds = results.map((r) =>
      r.is_error ? 'block' : /alternate/.test(resultText(r)) ? 'warn' : 'ok',
    );
    expect(kinds).toEqual([...Array<string>(5).fill('ok'), ...Array<string>(6).fill('warn'), 'block']);
  });

  it('computes each message cost and the total from usage', async () => {
    const usage = {
      input_tokens: 1000,
      output_tokens: 100,
      cache_read_input_tokens: 2000,
      cache_creation_input_tokens: 500,
    };
    const h = startLoop([computerTurn({ action: 'screenshot' }, usage), modelTurn({ text: 'ok', usage })]);
    const result = await h.result;
    const each = 0.003 + 0.0015 + 0.0006 + 0.001875;
    const assistant = h.events.filter((e) => e.type === 'message' && e.role === 'assistant');
    for (const e of assistant)
      expect(e.type === 'message' && e.role === 'assistant' && e.costUsd).toBeCloseTo(each, 10);
    expect(result.totalCostUsd).toBeCloseTo(2 * each, 10);
    expect(result.usage).toEqual({
      input_tokens: 2000,
      output_tokens: 200,
      cache_read_input_tokens: 4000,
      cache_creation_input_tokens: 1000,
    });
  });

  it('takes follow-up messages between turns and waits while paused', async () => {
    const { InputQueue } = await import('../src/index.js');
    const input = new InputQueue();
    input.push({ kind: 'pause' });
    const h = startLoop([modelTurn({ text: 'first' }), modelTurn({ text: 'second' })], { input });
    await new Promise((r) => setTimeout(r, 50));
    expect(h.model.requests).toHaveLength(0);
    expect(h.events).toContainEqual({ type: 'progress', state: 'paused' });
    input.push({ kind: 'user_message', content: [{ type: 'text', text: 'also check the logs' }] });
    input.push({ kind: 'resume' });
    const result = await h.result;
    expect(result.result).toBe('first');
    const first = h.model.requests[0];
    expect(first?.messages).toHaveLength(1);
    expect(JSON.stringify(first?.messages)).toContain('also check the logs');
  });

  it('cancels within 2 s mid-stream even if the stream ignores the signal', async () => {
    const h = startLoop([{ events: [{ type: 'text_delta', text: 'thinking…' }], hang: true }], {
      onEvent: (e) => {
        if (e.type === 'text_delta') setTimeout(() => h.abort.abort(), 20);
      },
    });
    const started = Date.now();
    const result = await h.result;
    expect(result.status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('cancels within 2 s mid-tool even if the desktop action never returns', async () => {
    let reached: () => void = () => {};
    const atClick = new Promise<void>((r) => {
      reached = r;
    });
    const desktop = new FakeDesktop({
      beforeAction: () => {
        reached();
        return new Promise(() => {});
      },
    });
    const h = startLoop([computerTurn({ action: 'left_click', coordinate: [1, 1] })], { desktop });
    await atClick;
    const started = Date.now();
    h.abort.abort();
    const result = await h.result;
    expect(result).toMatchObject({ status: 'cancelled', error: 'cancelled', numTurns: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails with the model error when the model call throws', async () => {
    const tool = defineTool({
      name: 'noop',
      description: 'x',
      input: z.object({}),
      run: async () => textResult(''),
    });
    const h = startLoop([], { extraTools: [tool] });
    const result = await h.result;
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/unexpected request/);
  });
});

function never(): never {
  throw new Error('missing');
}
