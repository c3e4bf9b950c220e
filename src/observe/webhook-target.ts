/**
 * A webhook URL as the agent uses it: credentials in its userinfo (`https://user:pass@host/…`) become
 * an `Authorization: Basic` header (fetch refuses such URLs, and its error would carry the whole URL),
 * and logs name only scheme and host — never the userinfo, the path or the query, where secrets
 * live (chat services put theirs in the path).
 */
export interface WebhookTarget {
  /** The URL to post to, without userinfo. */
  url: string;
  /** `Basic …` when the configured URL carried credentials. */
  authorization?: string;
  /** scheme://host: what logs show. */
  shown: string;
}

export function webhookTarget(configured: string): WebhookTarget {
  const url = new URL(configured);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const shown = `${url.protocol}//${url.host}`;
  const authorization =
    user || password ? `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}` : undefined;
  return { url: url.href, shown, ...(authorization === undefined ? {} : { authorization }) };
}

/** An error's text with the target's URL replaced by what logs may show. */
export function withoutUrl(text: string, target: WebhookTarget): string {
  return text.split(target.url).join(target.shown);
}
