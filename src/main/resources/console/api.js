// Calls the ECI API from the browser exactly as the official SDKs do (docs/console.md):
// POST / with every parameter in the query, an empty body, signed ACS3-HMAC-SHA256 with WebCrypto.
// The AccessKey secret is used only as HMAC key material here; it is never sent.

export const VERSION = '2018-08-08';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const enc = new TextEncoder();

/** RFC 3986 percent-encoding of UTF-8 (only A-Z a-z 0-9 - _ . ~ literal), as the server's Pct. */
export function pct(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256Hex(text) {
  return hex(await crypto.subtle.digest('SHA-256', enc.encode(text)));
}

function nonce() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return hex(b);
}

/** UTC yyyy-MM-ddTHH:mm:ssZ, what every SDK sends. */
function acsDate(now = new Date()) {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Code-unit order, as Java's String.compareTo (the server sorts the same way). */
function byKey(a, b) {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** The canonical query: sorted pairs, pct(k)=pct(v), an empty value as k=. Also what is sent. */
export function canonicalQuery(params) {
  const pairs = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => [k, String(v)])
    .sort(byKey);
  return pairs.map(([k, v]) => pct(k) + '=' + (v === '' ? '' : pct(v))).join('&');
}

/**
 * Flattens CreateContainerGroup-style JSON into the wire's names: lists 1-based
 * (Container.1.Name), structs joined with dots; flat keys pass through unchanged.
 */
export function flatten(value, prefix = '', out = {}) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(v, `${prefix}.${i + 1}`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== null && value !== undefined) {
    if (!prefix) throw new Error('the JSON must be an object of CreateContainerGroup parameters');
    out[prefix] = String(value);
  }
  return out;
}

/** An API error in the ECI envelope (Code, Message, RequestId), or a transport failure. */
export class ApiError extends Error {
  constructor(code, message, requestId, status) {
    super(message);
    this.code = code;
    this.requestId = requestId;
    this.status = status;
  }

  toString() {
    return `${this.code}: ${this.message}` + (this.requestId ? ` (RequestId ${this.requestId})` : '');
  }
}

/**
 * A signer bound to one AccessKey. The secret is imported as a non-extractable HMAC key: after
 * construction nothing in this object can give it back.
 */
export class Client {
  static async create({ accessKeyId, accessKeySecret, region }) {
    if (!window.isSecureContext || !crypto.subtle) {
      throw new ApiError('Console.InsecureContext', 'This page is not a secure context (plain HTTP to an address'
        + ' other than localhost), so the browser offers no WebCrypto, and a page served that way could be altered'
        + ' in transit to read your key. Open the console at http://127.0.0.1:PORT/console/ (e.g. through an SSH'
        + ' tunnel) or behind HTTPS.', '', 0);
    }
    const key = await crypto.subtle.importKey('raw', enc.encode(accessKeySecret), { name: 'HMAC', hash: 'SHA-256' },
      false, ['sign']);
    return new Client(accessKeyId, key, region);
  }

  constructor(accessKeyId, key, region) {
    this.accessKeyId = accessKeyId;
    this.key = key;
    this.region = region;
  }

  /** Calls an action with flat parameters (RegionId added); resolves to the parsed JSON body. */
  async call(action, params = {}) {
    const query = canonicalQuery({ RegionId: this.region, ...params });
    const headers = {
      host: location.host,
      'x-acs-action': action,
      'x-acs-content-sha256': EMPTY_SHA256,
      'x-acs-date': acsDate(),
      'x-acs-signature-nonce': nonce(),
      'x-acs-version': VERSION,
    };
    const signed = Object.keys(headers).sort();
    const canonicalRequest = 'POST\n/\n' + query + '\n'
      + signed.map((h) => h + ':' + headers[h].trim() + '\n').join('') + '\n'
      + signed.join(';') + '\n' + EMPTY_SHA256;
    const stringToSign = 'ACS3-HMAC-SHA256\n' + await sha256Hex(canonicalRequest);
    const signature = hex(await crypto.subtle.sign('HMAC', this.key, enc.encode(stringToSign)));
    const send = { ...headers };
    delete send.host; // the browser sends Host itself (the same value: location.host)
    send.accept = 'application/json';
    send.authorization = `ACS3-HMAC-SHA256 Credential=${this.accessKeyId},SignedHeaders=${signed.join(';')},`
      + `Signature=${signature}`;
    let response;
    try {
      response = await fetch('/?' + query, {
        method: 'POST', headers: send, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      throw new ApiError('Console.Unreachable', `The server did not answer (${e.message}).`, '', 0);
    }
    let body;
    try {
      body = await response.json();
    } catch (e) {
      throw new ApiError('Console.BadResponse', `HTTP ${response.status}: the answer is not JSON.`, '',
        response.status);
    }
    if (!response.ok) {
      throw new ApiError(body.Code || `HTTP${response.status}`, body.Message || '', body.RequestId || '',
        response.status);
    }
    return body;
  }
}
