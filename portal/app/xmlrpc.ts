/**
 * Just enough XML-RPC for supervisord's interface (instance-runtime.md §7.1):
 * string/int/boolean parameters out; structs, arrays, scalars and faults in.
 * @module
 */
import http from "node:http";

/** A decoded XML-RPC value. */
export type XmlRpcValue = string | number | boolean | null | XmlRpcValue[] | { [key: string]: XmlRpcValue };

/** A `<fault>` answer. */
export class XmlRpcFault extends Error {
  override readonly name = "XmlRpcFault";
  readonly faultCode: number;
  readonly faultString: string;
  constructor(faultCode: number, faultString: string) {
    super(`XML-RPC fault ${faultCode}: ${faultString}`);
    this.faultCode = faultCode;
    this.faultString = faultString;
  }
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, "&");

/** Encode a method call. */
export function encodeCall(method: string, params: readonly (string | number | boolean)[]): string {
  const encoded = params
    .map((p) => {
      if (typeof p === "boolean") return `<param><value><boolean>${p ? 1 : 0}</boolean></value></param>`;
      if (typeof p === "number") return `<param><value><int>${Math.trunc(p)}</int></value></param>`;
      return `<param><value><string>${escapeXml(p)}</string></value></param>`;
    })
    .join("");
  return `<?xml version="1.0"?><methodCall><methodName>${escapeXml(method)}</methodName><params>${encoded}</params></methodCall>`;
}

/** Decode a method response; throws {@link XmlRpcFault} for a fault. */
export function decodeResponse(xml: string): XmlRpcValue {
  const tokens = xml.match(/<[^>]+>|[^<]+/g) ?? [];
  let i = 0;
  const next = () => tokens[i++] ?? "";
  const skipWs = () => {
    while (i < tokens.length && !(tokens[i] as string).startsWith("<")) i++;
  };
  const expect = (tag: string) => {
    skipWs();
    const t = next();
    if (t !== tag) throw new Error(`XML-RPC: expected ${tag}, got ${t.slice(0, 40)}`);
  };
  const text = (close: string): string => {
    let out = "";
    while (i < tokens.length && tokens[i] !== close) out += next();
    next();
    return unescapeXml(out);
  };
  const value = (): XmlRpcValue => {
    expect("<value>");
    const t = next();
    if (t === "</value>") return "";
    if (!t.startsWith("<")) {
      expect("</value>");
      return unescapeXml(t);
    }
    let v: XmlRpcValue;
    switch (t) {
      case "<string>":
        v = text("</string>");
        break;
      case "<string/>":
        v = "";
        break;
      case "<int>":
      case "<i4>":
        v = Number(text(t.replace("<", "</")));
        break;
      case "<double>":
        v = Number(text("</double>"));
        break;
      case "<boolean>":
        v = text("</boolean>").trim() === "1";
        break;
      case "<nil/>":
        v = null;
        break;
      case "<array>": {
        expect("<data>");
        const items: XmlRpcValue[] = [];
        for (skipWs(); tokens[i] === "<value>"; skipWs()) items.push(value());
        expect("</data>");
        expect("</array>");
        v = items;
        break;
      }
      case "<struct>": {
        const obj: Record<string, XmlRpcValue> = {};
        for (skipWs(); tokens[i] === "<member>"; skipWs()) {
          next();
          expect("<name>");
          const name = text("</name>");
          obj[name] = value();
          expect("</member>");
        }
        expect("</struct>");
        v = obj;
        break;
      }
      default:
        throw new Error(`XML-RPC: unsupported ${t.slice(0, 40)}`);
    }
    expect("</value>");
    return v;
  };
  const start = tokens.findIndex((t) => t === "<methodResponse>");
  if (start < 0) throw new Error("XML-RPC: no methodResponse");
  i = start + 1;
  skipWs();
  if (tokens[i] === "<fault>") {
    next();
    const f = value() as Record<string, XmlRpcValue>;
    throw new XmlRpcFault(Number(f.faultCode), String(f.faultString));
  }
  expect("<params>");
  expect("<param>");
  return value();
}

/** Call `method` over HTTP on a unix socket (supervisord's `/RPC2`). */
export function callUnix(
  socketPath: string,
  method: string,
  params: readonly (string | number | boolean)[] = [],
  timeoutMs = 10_000,
): Promise<XmlRpcValue> {
  const body = encodeCall(method, params);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        path: "/RPC2",
        method: "POST",
        timeout: timeoutMs,
        headers: { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(body), Host: "localhost" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            if (res.statusCode !== 200) throw new Error(`XML-RPC: HTTP ${res.statusCode}`);
            resolve(decodeResponse(Buffer.concat(chunks).toString("utf8")));
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`XML-RPC: ${method} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}
