import type { BlobRef, ContentBlock } from '@figaro/protocol';
import type { ImagePart, MessagePart } from '../model/model-client.js';
import type { ImageUploader } from '../runtime/blob-upload.js';

/**
 * Stores image bytes as a blob (`figaro.api.blobs.put`) and resolves with its reference: the runtime's
 * `ImageUploader` (`imageUploader(bus)`); tests pass an in-memory one.
 */
export type UploadImage = ImageUploader;

/** An image block as task events carry it: a blob reference, never base64. */
export type BlobImageBlock = {
  type: 'image';
  source: BlobRef;
};

/**
 * Message content as it is published on `figaro.task.{id}.message`: every inline (base64) image,
 * also inside tool results, is uploaded and replaced by `{type:'image', source:{type:'blob', …}}`.
 * Images are uploaded one at a time, in order; an upload failure rejects (the message is not sent).
 */
export async function toEventContent(
  parts: readonly MessagePart[],
  upload: UploadImage,
): Promise<ContentBlock[]> {
  const blocks: ContentBlock[] = [];
  for (const part of parts) {
    switch (part.type) {
      case 'text':
        blocks.push({ type: 'text', text: part.text });
        break;
      case 'image':
        blocks.push(await toBlobImage(part, upload));
        break;
      case 'tool_use':
        blocks.push({ type: 'tool_use', id: part.id, name: part.name, input: part.input });
        break;
      case 'tool_result': {
        const content: ContentBlock[] = [];
        for (const item of part.content)
          content.push(
            item.type === 'image' ? await toBlobImage(item, upload) : { type: 'text', text: item.text },
          );
        blocks.push({
          type: 'tool_result',
          tool_use_id: part.tool_use_id,
          content,
          ...(part.is_error ? { is_error: true } : {}),
        });
        break;
      }
    }
  }
  return blocks;
}

async function toBlobImage(part: ImagePart, upload: UploadImage): Promise<ContentBlock> {
  if (part.source.type !== 'base64') return { type: 'image', source: { ...part.source } };
  const ref = await upload(Buffer.from(part.source.data, 'base64'), part.source.media_type);
  return { type: 'image', source: { type: 'blob', sha256: ref.sha256, media_type: ref.media_type } };
}
