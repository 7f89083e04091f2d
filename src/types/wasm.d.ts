/**
 * The part of the WebAssembly JavaScript API that src/bytes/wasm.ts uses. TypeScript declares it
 * in lib.dom only, and this project compiles against Node's types without the DOM.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
}
