export interface SseMessage {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, each test reads the fields it expects
  data: any;
}

/** Reads a Server-Sent Events stream with fetch, keeping every message; `close` aborts it. */
export async function readEvents(url: string, headers: Record<string, string> = {}) {
  const messages: SseMessage[] = [];
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const done = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) messages.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    messages,
    async close() {
      abort.abort();
      await done;
    },
  };
}
