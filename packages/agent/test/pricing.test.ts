import { describe, expect, it } from 'vitest';
import { costOf, DEFAULT_MODEL_PRICE, priceOf } from '../src/index.js';

describe('costOf', () => {
  it('prices input, output, cache writes and cache reads per million tokens', () => {
    const cost = costOf('claude-sonnet-4-5-20250929', {
      input_tokens: 1_000_000,
      output_tokens: 100_000,
      cache_creation_input_tokens: 200_000,
      cache_read_input_tokens: 1_000_000,
    });
    expect(cost).toBeCloseTo(3 + 1.5 + 0.75 + 0.3, 10);
  });

  it('takes the longest matching prefix and falls back to the default price', () => {
    expect(priceOf('claude-opus-4-1-20250805').input).toBe(15);
    expect(priceOf('claude-opus-4-5').input).toBe(5);
    expect(priceOf('claude-opus-4-7').output).toBe(25);
    expect(priceOf('claude-opus-4-20250514').output).toBe(75);
    expect(priceOf('claude-sonnet-4@20250514').input).toBe(3);
    expect(priceOf('qwen2.5-vl')).toBe(DEFAULT_MODEL_PRICE);
    expect(costOf('claude-haiku-4-5', {})).toBe(0);
  });
});
