import type { Usage } from '@figaro/protocol';

/** Prices of one model in US dollars per million tokens. */
export interface ModelPrice {
  /** Uncached input tokens. */
  input: number;
  /** Output tokens. */
  output: number;
  /** Input tokens written to the prompt cache (5-minute TTL: 1.25 × input). */
  cacheWrite: number;
  /** Input tokens read from the prompt cache (0.1 × input). */
  cacheRead: number;
}

function anthropicPrice(input: number, output: number): ModelPrice {
  return { input, output, cacheWrite: input * 1.25, cacheRead: input * 0.1 };
}

/**
 * List prices of Claude models by exact name; dated snapshots (`claude-sonnet-4-5-20250929`,
 * `claude-sonnet-4@20250514`) take their model's price.
 */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-opus-4-6': anthropicPrice(5, 25),
  'claude-opus-4-5': anthropicPrice(5, 25),
  'claude-opus-4-1': anthropicPrice(15, 75),
  'claude-opus-4': anthropicPrice(15, 75),
  'claude-sonnet-4-6': anthropicPrice(3, 15),
  'claude-sonnet-4-5': anthropicPrice(3, 15),
  'claude-sonnet-4': anthropicPrice(3, 15),
  'claude-3-7-sonnet': anthropicPrice(3, 15),
  'claude-haiku-4-5': anthropicPrice(1, 5),
  'claude-3-5-haiku': anthropicPrice(0.8, 4),
  'claude-3-haiku': anthropicPrice(0.25, 1.25),
};

/**
 * Estimates by family prefix for models newer than `MODEL_PRICES` (the SDK already knows e.g.
 * `claude-opus-4-7` and `claude-sonnet-5`): add their list prices above when they are published.
 */
export const FAMILY_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-opus': anthropicPrice(5, 25),
  'claude-sonnet': anthropicPrice(3, 15),
  'claude-haiku': anthropicPrice(1, 5),
};

/** Price used for a model neither table knows (Sonnet's, so unknown models are not free). */
export const DEFAULT_MODEL_PRICE: ModelPrice = anthropicPrice(3, 15);

/** The price of `model`: its exact entry (snapshot date ignored), else its family's, else `fallback`. */
export function priceOf(
  model: string,
  prices: Readonly<Record<string, ModelPrice>> = MODEL_PRICES,
  fallback: ModelPrice = DEFAULT_MODEL_PRICE,
): ModelPrice {
  const name = model.replace(/[-@]\d{8}(?:-v\d+(?::\d+)?)?$/, '');
  const exact = prices[name];
  if (exact) return exact;
  let best: string | undefined;
  for (const prefix of Object.keys(FAMILY_PRICES)) {
    if (name.startsWith(`${prefix}-`) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return (best === undefined ? undefined : FAMILY_PRICES[best]) ?? fallback;
}

/** The cost in US dollars of `usage` on `model`; missing counters count as zero. */
export function costOf(
  model: string,
  usage: Usage,
  prices?: Readonly<Record<string, ModelPrice>>,
  fallback?: ModelPrice,
): number {
  const price = priceOf(model, prices, fallback);
  const dollars =
    (usage.input_tokens ?? 0) * price.input +
    (usage.output_tokens ?? 0) * price.output +
    (usage.cache_creation_input_tokens ?? 0) * price.cacheWrite +
    (usage.cache_read_input_tokens ?? 0) * price.cacheRead;
  return dollars / 1_000_000;
}
