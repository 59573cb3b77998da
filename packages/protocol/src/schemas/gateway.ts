import { z } from 'zod';
import { BlobRef } from './common.js';

/** `figaro.gateway.{channel}.task`: a chat message that becomes a task. */
export const GatewayTask = z.object({
  channel: z.string().min(1),
  chat_id: z.string().min(1),
  message_id: z.string().min(1),
  text: z.string(),
  attachments: z.array(BlobRef).optional(),
});
export type GatewayTask = z.infer<typeof GatewayTask>;

/** `figaro.gateway.{channel}.send`: text, or an image with a caption. */
export const GatewaySend = z.union([
  z.object({ chat_id: z.string().min(1), text: z.string().min(1) }),
  z.object({ chat_id: z.string().min(1), image: BlobRef, caption: z.string().default('') }),
]);
export type GatewaySend = z.infer<typeof GatewaySend>;

/** `figaro.gateway.{channel}.register`: presence every 30 s. */
export const GatewayRegister = z.object({ channel: z.string().min(1), status: z.literal('online') });
