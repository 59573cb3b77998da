import { createHash } from 'node:crypto';
import type { BlobRef } from '@figaro/protocol';
import {
  createSupervisorExecutor,
  createWorkerExecutor,
  type SupervisorExecutorOptions,
  type UploadImage,
  type WorkerExecutorOptions,
} from '../../src/index.js';
import { FakeDesktop, ScriptedModel, type ScriptedTurn } from '../../src/testing.js';
import type { ServerWorld } from './server-world.js';

/** An uploader that keeps blobs in memory under their sha256, as the real one stores them. */
export function memoryUploader(): { upload: UploadImage; blobs: Map<string, Buffer> } {
  const blobs = new Map<string, Buffer>();
  const upload: UploadImage = async (data, mediaType): Promise<BlobRef> => {
    const sha256 = createHash('sha256').update(data).digest('hex');
    blobs.set(sha256, data);
    return { type: 'blob', sha256, media_type: mediaType };
  };
  return { upload, blobs };
}

/** A worker on a ScriptedModel and a FakeDesktop that changes on every action, in the world. */
export async function startScriptedWorker(
  world: ServerWorld,
  id: string,
  script: ScriptedTurn[],
  extra: Partial<WorkerExecutorOptions> = {},
) {
  const model = new ScriptedModel(script);
  const desktop = new FakeDesktop({ changesOnAction: true });
  const uploader = memoryUploader();
  const runtime = await world.startAgent(
    id,
    'worker',
    createWorkerExecutor({
      model,
      modelName: 'claude-sonnet-4-6',
      desktop,
      bus: world.agentBus,
      workerId: id,
      uploadImage: uploader.upload,
      settleMs: 0,
      ...extra,
    }),
  );
  return { model, desktop, uploader, runtime };
}

/** A supervisor on a ScriptedModel, in the world. */
export async function startScriptedSupervisor(
  world: ServerWorld,
  id: string,
  script: ScriptedTurn[],
  extra: Partial<SupervisorExecutorOptions> = {},
) {
  const model = new ScriptedModel(script);
  const uploader = memoryUploader();
  const runtime = await world.startAgent(
    id,
    'supervisor',
    createSupervisorExecutor({
      model,
      modelName: 'claude-sonnet-4-6',
      bus: world.agentBus,
      supervisorId: id,
      uploadImage: uploader.upload,
      ...extra,
    }),
  );
  return { model, uploader, runtime };
}
