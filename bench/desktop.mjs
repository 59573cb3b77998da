// Desktop benchmark: screenshot latency of Figaro's VNC client against Xvnc and x11vnc, with
// references measured in the same run on the same displays (vncsnapshot, ImageMagick import, scrot).
// Run after `npm run build`:  node bench/desktop.mjs [--runs N]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { sharpEncoder, VncDesktop } from '../packages/desktop/dist/src/index.js';
import { startX11vnc, startXClient, startXvnc } from '../packages/testkit/dist/src/index.js';

const run = promisify(execFile);
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function timeIt(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  return median(times);
}

async function has(command) {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

async function measure(kind, size, dir, tools) {
  const server = kind === 'Xvnc' ? await startXvnc({ size }) : await startX11vnc({ size });
  // Content on the screen: a text xterm (top left) and an xterm running cat, typed into below.
  const clients = [
    startXClient(
      'xterm',
      ['-geometry', '100x30+0+0', '-e', 'sh', '-c', 'ls -la /usr/bin | head -200; sleep 600'],
      {
        env: server.env,
      },
    ),
    startXClient('xterm', ['-geometry', '60x10+700+500', '-e', 'cat'], { env: server.env }),
  ];
  try {
    const warm = await VncDesktop.connect({ url: server.url });
    // Wait until both windows are mapped (the screen stops changing).
    for (let i = 0; i < 50 && !(await warm.screenshot({ settleMs: 300 })).settled; i++);
    await warm.screenshot({ settleMs: 500 });

    // First frame: connect, authenticate, receive the whole screen and encode it as PNG.
    const first = await timeIt(Math.max(5, Math.floor(RUNS / 3)), async () => {
      const desktop = await VncDesktop.connect({ url: server.url });
      await desktop.screenshot({ settleMs: 0 });
      await desktop.close();
    });

    // Steady state on the warm connection of an unchanged screen. Screenshots of one framebuffer
    // version are cached, so also time the uncached path: probe round trip + full PNG encoding.
    const steady = await timeIt(RUNS, () => warm.screenshot());
    const encoder = sharpEncoder();
    const fb = warm.client.framebuffer;
    const steadyPng = await timeIt(RUNS, async () => {
      await warm.client.probe();
      await encoder.encode(
        { data: Buffer.from(fb.data), width: fb.width, height: fb.height },
        { width: fb.width, height: fb.height, format: 'png', quality: 80 },
      );
    });

    // Action → screenshot: type a character into the cat xterm, then take the screenshot that must
    // show it (default settle 100 ms, and settle 20 ms).
    await warm.move(760, 540);
    const action = await timeIt(RUNS, async () => {
      await warm.type('x');
      await warm.screenshot();
    });
    const action20 = await timeIt(RUNS, async () => {
      await warm.type('y');
      await warm.screenshot({ settleMs: 20 });
    });
    await warm.close();

    const out = join(dir, `${kind}-${size.width}.png`);
    const refRuns = Math.max(5, Math.floor(RUNS / 3));
    const vncsnapshot = tools.vncsnapshot
      ? await timeIt(refRuns, () =>
          run(
            'vncsnapshot',
            [
              '-quiet',
              ...(kind === 'Xvnc' ? ['-encodings', 'raw'] : []),
              `127.0.0.1::${server.port}`,
              out.replace(/png$/, 'jpg'),
            ],
            { timeout: 30_000 },
          ),
        )
      : Number.NaN;
    const importRoot = tools.import
      ? await timeIt(refRuns, () => run('import', ['-display', server.display, '-window', 'root', out]))
      : Number.NaN;
    const scrot = tools.scrot
      ? await timeIt(refRuns, () => run('scrot', ['-o', out], { env: server.env }))
      : Number.NaN;
    return { kind, size, first, steady, steadyPng, action, action20, vncsnapshot, importRoot, scrot };
  } finally {
    for (const client of clients) await client.stop();
    await server.stop();
  }
}

const fmt = (ms) => (Number.isNaN(ms) ? 'n/a' : ms < 10 ? ms.toFixed(1) : ms.toFixed(0));
const ratio = (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? 'n/a' : (a / b).toPrecision(2));

const tools = {
  vncsnapshot: await has('vncsnapshot'),
  import: await has('import'),
  scrot: await has('scrot'),
};
const dir = await mkdtemp(join(tmpdir(), 'figaro-bench-'));
const rows = [];
try {
  for (const kind of ['Xvnc', 'x11vnc'])
    for (const size of SIZES) rows.push(await measure(kind, size, dir, tools));
} finally {
  await rm(dir, { recursive: true, force: true });
}

console.log(
  `Medians in ms (${RUNS} runs; first frame and references ${Math.max(5, Math.floor(RUNS / 3))} runs).`,
);
console.log(
  '| server | size | first frame | steady (cached) | steady / first | steady + PNG | steady+PNG / first | action→shot (settle 100) | action→shot (settle 20) | vncsnapshot | import | scrot | steady+PNG / scrot | steady+PNG / vncsnapshot |',
);
console.log(
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
);
for (const r of rows) {
  console.log(
    `| ${r.kind} | ${r.size.width}×${r.size.height} | ${fmt(r.first)} | ${fmt(r.steady)} | ${ratio(r.steady, r.first)} | ${fmt(r.steadyPng)} | ${ratio(r.steadyPng, r.first)} | ${fmt(r.action)} | ${fmt(r.action20)} | ${fmt(r.vncsnapshot)} | ${fmt(r.importRoot)} | ${fmt(r.scrot)} | ${ratio(r.steadyPng, r.scrot)} | ${ratio(r.steadyPng, r.vncsnapshot)} |`,
  );
}
