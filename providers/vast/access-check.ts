/**
 * The check a program runs before it creates anything: is `vast:apiUrl` a Vast API that answers,
 * and does it accept `vast:apiKey`? Without it a wrong key shows only when the first Vast resource
 * is created, after the image build and push. Costs one read of the current user.
 */
import { VastClient } from "./client.ts";
import { resolveConfig, type ProviderSettings } from "./config.ts";
import { VastError, VastErrorCode } from "./errors.ts";

/** Resolves when the API answers and accepts the key; otherwise throws a `VastError` (code `VAST_CONFIG_ERROR`) naming the setting to fix. */
export async function checkVastAccess(settings: ProviderSettings): Promise<void> {
  const config = resolveConfig(settings);
  const client = new VastClient({ ...config, maxRetries: 1 });
  try {
    await client.currentUser();
  } catch (error) {
    const status = (error as VastError).status;
    const why =
      status === 401 || status === 403
        ? `it refused vast:apiKey (${status}): set the account's key with \`pulumi config set --secret vast:apiKey <key>\` or export VAST_API_KEY`
        : `it did not answer as the Vast API does (${(error as Error).message}): check vast:apiUrl (${config.apiUrl}), which should be https://console.vast.ai or your emulator's URL`;
    throw new VastError(VastErrorCode.config, `Vast API check before creating anything: ${why}`, { cause: error });
  } finally {
    await client.close();
  }
}
