/**
 * Account and helper endpoints (vast-api.md §3.9): the current user (never carrying the key)
 * and the GPU names the CLI fetches, without auth, at start-up.
 */
import { ACCOUNT, type Handler, json } from "../context.ts";

/** Credit every emulated account starts with, in $. */
const CREDIT = 1000;

/** `GET /api/v0/users/current` → the account, with a credit balance. */
export const currentUser: Handler = (ctx) => {
  const keys = ctx.state.db.listSshKeys();
  // The account the key acts on: a team key shows the team (vast-api-more.md §4.1).
  const account = ctx.caller ? ctx.state.db.getAccount(ctx.caller.accountId) : undefined;
  return json({
    id: account?.id ?? ACCOUNT.id,
    username: account?.username ?? ACCOUNT.username,
    email: account?.email ?? ACCOUNT.email,
    fullname: account && account.id !== ACCOUNT.id ? account.username : ACCOUNT.fullname,
    credit: CREDIT,
    balance: 0,
    balance_threshold: 10,
    balance_threshold_enabled: false,
    has_billing: true,
    email_verified: true,
    billed_verification: true,
    ssh_key: keys[0]?.publicKey ?? null,
    can_pay: true,
    is_admin: false,
  });
};

/** `GET /api/v0/gpu_names/unique/` → `{"gpu_names": [...]}`, no auth. */
export const gpuNames: Handler = (ctx) => json({ gpu_names: ctx.state.catalog.gpuNames });
