export {
  AgentRuntime,
  type AgentRuntimeOptions,
  type Assignment,
  type TaskContext,
  type TaskExecutor,
} from './agent-runtime.js';
export {
  BLOB_UPLOAD_CHUNK_BYTES,
  type BlobUpload,
  BlobUploadError,
  type ImageUploader,
  imageUploader,
  type UploadBlobOptions,
  uploadBlob,
} from './blob-upload.js';
export { askHuman, type HumanAnswer } from './help-client.js';
export { type AgentMessage, TaskEventPublisher, type TaskIdentity } from './task-events.js';
