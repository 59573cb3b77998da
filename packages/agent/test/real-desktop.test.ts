import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VncDesktop } from '@figaro/desktop';
import { startXClient, startXvnc, tempDir, type VncServerHandle, type XClientHandle } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComputerTool, runAgentLoop, ToolRegistry } from '../src/index.js';
import { computerTurn, modelTurn, ScriptedModel } from '../src/testing.js';

describe('the computer tool on a real Xvnc desktop, driven through the loop', () => {
  let server: VncServerHandle;
  let desktop: VncDesktop;
  let xterm: XClientHandle;
  let dir: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    // 1600×1000 screen: the model sees 1280×800, so every coordinate is scaled.
    [server, dir] = await Promise.all([
      startXvnc({ size: { width: 1600, height: 1000 } }),
      tempDir('figaro-agent-'),
    ]);
    desktop = await VncDesktop.connect({ url: server.url });
    xterm = startXClient('xterm', ['-geometry', '80x20+0+0', '-e', 'bash', '--norc', '--noprofile'], {
      env: { ...server.env, PS1: '$ ' },
      cwd: dir.path,
    });
    // The shell is ready once a command typed into it runs.
    const ready = join(dir.path, 'ready');
    for (let i = 0; i < 100; i++) {
      await desktop.click(125, 62);
      await desktop.type(`touch ${ready}\n`);
      if (
        await readFile(ready).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    await desktop?.close();
    await xterm?.stop();
    await server?.stop();
    await dir?.remove();
  });

  it('clicks the xterm, types a command and presses Return: the file holds "done"', async () => {
    const file = join(dir.path, 'FILE');
    // The xterm covers the top-left 80×20 cells (~486×264 screen px); (100, 50) in model pixels is
    // (125, 62) on screen, inside it.
    const model = new ScriptedModel([
      computerTurn({ action: 'screenshot' }),
      computerTurn({ action: 'left_click', coordinate: [100, 50] }),
      computerTurn({ action: 'type', text: `echo done > ${file}` }),
      computerTurn({ action: 'key', text: 'Return' }),
      modelTurn({ text: 'The file is written.' }),
    ]);
    const result = await runAgentLoop({
      model,
      modelName: 'claude-sonnet-4-6',
      system: 'You operate a Linux desktop.',
      tools: new ToolRegistry([new ComputerTool({ desktop })]),
      messages: [{ role: 'user', content: [{ type: 'text', text: `write done to ${file}` }] }],
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ status: 'completed', result: 'The file is written.', numTurns: 5 });
    let text = '';
    for (let i = 0; i < 50 && !text.endsWith('\n'); i++) {
      text = await readFile(file, 'utf8').catch(() => '');
      if (!text.endsWith('\n')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text).toBe('done\n');
    // Every screenshot the model got was scaled into the 1280×800 box.
    const spec = model.requests[0]?.tools[0];
    expect(spec).toMatchObject({ kind: 'computer', displayWidth: 1280, displayHeight: 800 });
  });
});
