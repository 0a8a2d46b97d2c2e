/**
 * Where the Vast client's settings come from: stack config (`vast:apiUrl`, `vast:apiKey`, read by
 * the dynamic provider's `configure`) or, for the key, `VAST_API_KEY` read when a method runs.
 * Nothing here is ever captured into the serialized provider (pulumi.md §2.5, §2.6).
 */
import { z } from "zod";
import type { ConfigKeys, KindImplementation } from "../dynamic/index.ts";
import type { VastClientOptions } from "./client.ts";
import { VastError, VastErrorCode } from "./errors.ts";

/** What `configure` hands over: the raw stack config values, if set. */
export interface ProviderSettings {
  apiUrl?: string | undefined;
  apiKey?: string | undefined;
  /** Shorter timeouts and windows for tests that call provider methods directly; never set from stack config. */
  tuning?: {
    client?: Pick<VastClientOptions, "timeoutMs" | "createTimeoutMs" | "minRetryDelayMs">;
    /** Defaults to 180 000 ms. */
    unknownOutcomeWindowMs?: number;
  };
}

/** The stack config every Vast kind reads; `configure` hands over these values and no others. */
export const vastConfigKeys = { apiUrl: "vast:apiUrl", apiKey: "vast:apiKey" } as const satisfies ConfigKeys<ProviderSettings>;

/** A Vast resource kind: its provider methods, reading `vastConfigKeys`. */
export function vastKind<Inputs, Outputs>(
  methods: Omit<KindImplementation<Inputs, Outputs, ProviderSettings>, "config">,
): KindImplementation<Inputs, Outputs, ProviderSettings> {
  return { config: vastConfigKeys, ...methods };
}

const ResolvedConfig = z.strictObject({
  apiUrl: z.url({ protocol: /^https?$/, error: "vast:apiUrl must be an http(s) URL such as https://console.vast.ai" }),
  apiKey: z.string().min(1, "vast:apiKey is not set: run `pulumi config set --secret vast:apiKey <key>` or export VAST_API_KEY"),
});
export type ResolvedConfig = z.infer<typeof ResolvedConfig>;

export const defaultApiUrl = "https://console.vast.ai";

/** Resolves and validates the client settings; the error names the key to fix, never its value. */
export function resolveConfig(settings: ProviderSettings = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const parsed = ResolvedConfig.safeParse({
    apiUrl: settings.apiUrl || env.VAST_API_URL || defaultApiUrl,
    apiKey: settings.apiKey || env.VAST_API_KEY || "",
  });
  if (parsed.success) return parsed.data;
  throw new VastError(VastErrorCode.config, z.prettifyError(parsed.error));
}
