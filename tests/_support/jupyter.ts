/** A Jupyter kernel `execute_request` on the shell channel (Jupyter messaging protocol 5.3), as JSON text. */
import { randomUUID } from "node:crypto";

export function executeRequest(msgId: string, code: string): string {
  const header = {
    msg_id: msgId,
    username: "test",
    session: randomUUID(),
    msg_type: "execute_request",
    version: "5.3",
    date: new Date().toISOString(),
  };
  const content = { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true };
  return JSON.stringify({ header, parent_header: {}, metadata: {}, channel: "shell", buffers: [], content });
}
