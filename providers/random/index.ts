/** The random dynamic resource: a string minted once and kept in state as a secret. */
export { RandomSecret, type RandomSecretArgs } from "./random-secret.ts";
