/** The layer every dynamic resource kind is built on: the serialized provider, the kind contract and `check`. */
export { delegatingProvider } from "./delegating-provider.ts";
export type { AnyKind, ConfigKeys, KindImplementation } from "./kind.ts";
export { checkInputs } from "./check.ts";
