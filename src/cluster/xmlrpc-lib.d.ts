// Types for the deep imports of xmlrpc's codec and for sax (the packages ship no exports map and no types).

declare module 'xmlrpc/lib/deserializer.js' {
  import type { EventEmitter } from 'node:events';
  import type { Readable, Writable } from 'node:stream';

  type MethodCallCallback = (error: Error | null | undefined, methodName?: string, params?: unknown[]) => void;

  class Deserializer {
    constructor(encoding?: string);
    /** A sax SAXStream; replaceable before deserializing. */
    parser: Writable & EventEmitter;
    /** Called once, from onDone or onError; deserializeMethodCall wraps it with its own checks. */
    callback: (error: unknown, result?: unknown[]) => void;
    type: 'methodcall' | 'methodresponse' | null;
    methodname: string | null;
    stack: unknown[];
    marks: number[];
    value: boolean;
    deserializeMethodCall(stream: Readable, callback: MethodCallCallback): void;
    onOpentag(node: { name: string }): void;
    onClosetag(name: string): void;
    onText(text: string): void;
    onCDATA(text: string): void;
    onDone(): void;
    onError(error: unknown): void;
    endStruct(data: string): void;
  }
  export = Deserializer;
}

declare module 'xmlrpc/lib/serializer.js' {
  export function serializeMethodResponse(value: unknown): string;
  export function serializeFault(fault: unknown): string;
  export function serializeMethodCall(method: string, params?: unknown[], encoding?: string): string;
}

declare module 'xmlrpc/lib/customtype.js' {
  class CustomType {
    constructor(raw: string);
    raw: string;
    tagName: string;
    serialize(xml: unknown): unknown;
  }
  export = CustomType;
}

// sax 1.2's parser API, as far as the strict deserializer uses it (the package ships no types).
declare module 'sax' {
  export interface SAXParser {
    onopentag: (tag: { name: string }) => void;
    onclosetag: (name: string) => void;
    ontext: (text: string) => void;
    oncdata: (text: string) => void;
    onend: () => void;
    onerror: (error: Error) => void;
    error: Error | null;
    write(text: string): SAXParser;
    close(): SAXParser;
  }
  export function parser(strict: boolean, options?: { strictEntities?: boolean }): SAXParser;
}
