import { startFakeOpenAI, textReply, toolCall } from '@figaro/testkit';
import { describe, expect, it } from 'vitest';
import {
  cleanups,
  expectToolCallsWithScreenshotsAndCost,
  fileContent,
  runTask,
  storedMessages,
  up,
  useTeardown,
  xtermDesktop,
} from './support/agents-e2e.js';

useTeardown();

describe('agents end to end with the openai engine (fake OpenAI-compatible server)', () => {
  it('figaro up --desktop drives an x11vnc desktop through chat completions with tool calls', async () => {
    const fake = await startFakeOpenAI();
    cleanups.push(() => fake.stop());
    const { desktop, file } = await xtermDesktop('oaipw1');
    fake.script.reply(
      toolCall('computer', { action: 'screenshot' }),
      toolCall('computer', { action: 'left_click', coordinate: [400, 300] }),
      toolCall('computer', { action: 'type', text: `echo done > ${file}` }),
      toolCall('computer', { action: 'key', text: 'Return' }),
      textReply('The file now holds "done".'),
    );
    const { clientEnv } = await up(fake, ['--workers', '0', '--desktop', desktop.url], {
      FIGARO_WORKER_ENGINE: 'openai',
      FIGARO_SUPERVISOR_ENGINE: 'openai',
      FIGARO_OPENAI_BASE_URL: fake.baseUrl,
      FIGARO_OPENAI_API_KEY: 'sk-openai-test',
      FIGARO_WORKER_MODEL: 'gpt-4.1',
      FIGARO_VNC_PASSWORD: 'oaipw1',
    });
    const result = await runTask(clientEnv);
    expect(result.code, result.err).toBe(0);
    expect((await fileContent(file)).trim()).toBe('done');
    expectToolCallsWithScreenshotsAndCost(await storedMessages(clientEnv));
    fake.assertDone();
  }, 90_000);
});
