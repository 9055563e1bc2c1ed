/**
 * WWW-Authenticate parsing (RFC 7235): several challenges in one header, auth-params with
 * token or quoted-string values (with backslash escapes), token68, case-insensitive names.
 */
export interface Challenge {
  scheme: string; // lower case
  params: Record<string, string>; // names lower case
  token68?: string;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const out: Challenge[] = [];
  let i = 0;
  const skipWs = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const token = (): string | undefined => {
    const m = TOKEN.exec(text.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const quoted = (): string => {
    let s = '';
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      s += text[i++];
    }
    i++; // closing quote
    return s;
  };
  while (i < text.length) {
    skipWs();
    while (text[i] === ',') {
      i++;
      skipWs();
    }
    const scheme = token();
    if (!scheme) break;
    const ch: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    skipWs();
    // Params until the next challenge (a token followed by space and not by '=').
    for (;;) {
      skipWs();
      const save = i;
      const name = token();
      if (!name) break;
      skipWs();
      if (text[i] !== '=') {
        // a new scheme begins, or this is a token68
        i = save;
        break;
      }
      i++;
      skipWs();
      // token68 ends with '='s and no value: `Negotiate abc==`
      if (text[i] === ',' || i >= text.length || text[i] === '=') {
        let pad = '=';
        while (text[i] === '=') {
          pad += '=';
          i++;
        }
        ch.token68 = name + pad;
        break;
      }
      const value = text[i] === '"' ? quoted() : (token() ?? '');
      ch.params[name.toLowerCase()] = value;
      skipWs();
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (!Object.keys(ch.params).length && ch.token68 === undefined) {
      skipWs();
      const m = /^[A-Za-z0-9\-._~+/]+=*/.exec(text.slice(i));
      if (m && !/^\s*=/.test(text.slice(i + m[0].length)) && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s+[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=/.test(text.slice(i))) {
        ch.token68 = m[0];
        i += m[0].length;
      }
    }
  }
  return out;
}
