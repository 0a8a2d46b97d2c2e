/**
 * Turning a user's env map and port list into what Vast takes: an object with `-p` keys for
 * instances, a docker-flag string for templates (vast-api.md §3.2.1, §3.5, §6.1).
 */

/** A port request: `"8080"`, `"8080/tcp"` or `"8081/udp"`; the same number inside and outside. */
export type PortSpec = string;

const portPattern = /^(\d{1,5})(\/(tcp|udp))?$/;
const envKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Problems with an env map or port list, each naming the entry; empty when valid. */
export function envProblems(env: Record<string, string>, ports: readonly PortSpec[], forTemplate: boolean): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!envKeyPattern.test(key))
      problems.push(`env key "${key}" is not a valid variable name (letters, digits, underscore; not starting with a digit)`);
    if (typeof value !== "string") problems.push(`env ${key} must be a string`);
    else if (`${key}=${value}`.length > 256) problems.push(`env ${key} is longer than Vast's 256-character limit per entry`);
    else if (forTemplate && /["\n]/.test(value))
      problems.push(`env ${key} contains a double quote or newline, which a template's env string cannot carry`);
  }
  for (const port of ports) {
    const match = portPattern.exec(port);
    const number = match ? Number(match[1]) : 0;
    if (!match || number < 1 || number > 65535) problems.push(`port "${port}" must look like 8080, 8080/tcp or 8081/udp`);
  }
  if (ports.length > 64) problems.push(`at most 64 ports can be opened on an instance (got ${ports.length})`);
  return problems;
}

function portFlag(port: PortSpec): string {
  const [number, proto] = port.split("/");
  return proto === "udp" ? `-p ${number}:${number}/udp` : `-p ${number}:${number}`;
}

/** The create-instance `env` object: variables plus `"-p N:N": "1"` entries (§3.2.1). */
export function toInstanceEnv(env: Record<string, string>, ports: readonly PortSpec[]): Record<string, string> {
  const result: Record<string, string> = { ...env };
  for (const port of ports) result[portFlag(port)] = "1";
  return result;
}

/** The template `env` string, quoted the way the CLI parser splits it (§3.2.1). */
export function toTemplateEnvString(env: Record<string, string>, ports: readonly PortSpec[]): string {
  const vars = Object.entries(env).map(([key, value]) =>
    /[\s'|]/.test(value) || value === "" ? `-e ${key}="${value}"` : `-e ${key}=${value}`,
  );
  return [...vars, ...ports.map(portFlag)].join(" ");
}
