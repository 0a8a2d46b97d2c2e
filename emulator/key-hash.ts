/** How the emulator stores API keys: only their SHA-256, so a state file never holds a usable key. */
import { createHash } from "node:crypto";

/** Hex SHA-256 of an API key. */
export function keyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
