/** The record model: types and byte helpers used by every layer. */

export * from './bytes.js';
export * from './record.js';
