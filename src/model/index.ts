/** The record model: types and byte helpers used by every layer. */
export * from './record.js';
export * from './bytes.js';
