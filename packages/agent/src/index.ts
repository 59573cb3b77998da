export { costOf, DEFAULT_MODEL_PRICE, MODEL_PRICES, type ModelPrice, priceOf } from './model/pricing.js';
