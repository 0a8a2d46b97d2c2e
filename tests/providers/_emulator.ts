/** Starts an emulator for provider tests and hands back settings for the provider methods. */
import type { TestContext } from "node:test";
import { startEmulator, type EmulatorOptions, type RunningEmulator } from "../../emulator/index.ts";
import type { ProviderSettings } from "../../providers/vast/config.ts";

export const testApiKey = "test-key-0123456789abcdef";

export async function emulatorFor(
  t: TestContext,
  options: Partial<EmulatorOptions> = {},
): Promise<{ emulator: RunningEmulator; settings: ProviderSettings }> {
  const emulator = await startEmulator({
    apiKey: testApiKey,
    timings: { schedulingMs: 50, loadingMs: 150, stoppingMs: 50, startingMs: 50, rebootMs: 50 },
    ...options,
  });
  t.after(() => emulator.close());
  return { emulator, settings: { apiUrl: emulator.url, apiKey: testApiKey } };
}
