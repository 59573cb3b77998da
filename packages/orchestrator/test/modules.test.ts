import { Api, parseWith, RegisterWorker } from '@figaro/protocol';
import { uniqueToken } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleFactory } from '../src/module.js';
import { Orchestrator } from '../src/orchestrator.js';
import { BACKENDS, type Harness, openHarness } from './service-harness.js';

const [embedded] = BACKENDS;
if (!embedded) throw new Error('no backend');

/** Features register as modules when the orchestrator is built (issue 8), instead of patching it. */
describe('OrchestratorModule', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await openHarness(embedded);
  });
  afterAll(async () => {
    await h?.close();
  });

  function orchestrator(modules: ModuleFactory[]): Orchestrator {
    const deps = h.deps();
    return new Orchestrator({ bus: h.bus, store: h.store, logger: h.logger, modules, config: deps.config });
  }

  it('serves its handlers, sweeps its steps, hears of lost agents and starts and stops in order', async () => {
    const calls: string[] = [];
    const lost: string[] = [];
    const feature: ModuleFactory = (context) => {
      expect(context.lifecycle).toBeDefined();
      return {
        name: 'feature',
        handlers: { helpRequestsList: async () => ({ help_requests: [] }) },
        sweepSteps: [
          {
            name: 'feature deadlines',
            run: async () => {
              calls.push('sweep');
            },
          },
        ],
        onAgentLost: async (repos, agentId) => {
          expect(await repos.agents.get(agentId)).not.toBeNull();
          lost.push(agentId);
        },
        start: async () => {
          calls.push('start feature');
        },
        stop: async () => {
          calls.push('stop feature');
        },
      };
    };
    const second: ModuleFactory = () => ({
      name: 'second',
      start: async () => {
        calls.push('start second');
      },
      stop: async () => {
        calls.push('stop second');
      },
    });
    const o = orchestrator([feature, second]);
    await o.start();
    try {
      expect(calls.slice(0, 3)).toEqual(['start feature', 'start second', 'sweep']);
      expect(await h.bus.request(Api.helpRequestsList, {})).toEqual({ help_requests: [] });

      const workerId = uniqueToken('w');
      await o.registry.register(
        'worker',
        parseWith(
          RegisterWorker,
          { worker_id: workerId, capabilities: [], status: 'idle', metadata: {}, max_concurrent: 1 },
          'registration',
        ),
      );
      await o.registry.deregister(workerId, `figaro.deregister.worker.${workerId}`);
      expect(lost).toEqual([workerId]);
    } finally {
      await o.stop();
    }
    expect(calls.slice(-2)).toEqual(['stop second', 'stop feature']);
  });

  it('refuses two modules answering one endpoint, or a module answering a core one', () => {
    const list: ModuleFactory = () => ({
      name: 'list',
      handlers: { helpRequestsList: async () => ({ help_requests: [] }) },
    });
    expect(() => orchestrator([list, list])).toThrow(/helpRequestsList is already answered/);
    const core: ModuleFactory = () => ({
      name: 'core',
      handlers: { workers: async () => ({ workers: [] }) },
    });
    expect(() => orchestrator([core])).toThrow(/module core: workers is already answered/);
  });
});
