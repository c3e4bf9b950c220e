import { XmlRpcFaultCode, XmlRpcFaultError } from './codes.js';
import { noteWholeDouble } from './decoded-types.js';
import { noteNesting } from './params-shape.js';
import type { XmlEventSink } from './plain-scanner.js';
import { allowedChild, elementName, holdsText, isScalar, ROOT, Tag, type TagCode, tagOf } from './xmlrpc-grammar.js';
import { base64Of, booleanOf, dateTimeOf, doubleOf, i8Of, intOf, ScalarTextError } from './xmlrpc-scalars.js';

export interface DecodedCall {
  method: string;
  params: unknown[];
}

const NON_WHITESPACE = /\S/;
const WHITESPACE_CHAR = /^\s$/;

/**
 * Builds the decoded call from the XML events of a methodCall (plain-scanner.ts or saxes), checking
 * the XML-RPC grammar (xmlrpc-grammar.ts) as they come.
 */
export class CallDecoder implements XmlEventSink {
  private readonly tags: TagCode[] = [ROOT];
  /** Element children seen so far, per open element. */
  private readonly counts: number[] = [0];
  /** Open arrays and structs, innermost last; `names` holds each struct's current member name. */
  private readonly containers: unknown[] = [];
  private readonly names: string[] = [];
  private readonly params: unknown[] = [];
  /** The most arrays and structs open at once: their deepest nesting. */
  private deepest = 0;
  private methodName = '';
  private chars = '';
  /** The value of the last typed child of a `<value>`. */
  private held: unknown = undefined;
  /** Whether `held`, when a number, came as a `<double>`. */
  private heldDouble = false;
  /** Whether a member was noted as a whole-number double: a later duplicate name must then clear it. */
  private notedDouble = false;
  /** The first grammar error; parsing goes on so that a later XML error still answers -32700. */
  private invalid: string | undefined;

  open(name: string): void {
    if (this.invalid !== undefined) return;
    const code = tagOf(name);
    const depth = this.tags.length - 1;
    const parent = this.tags[depth] as TagCode;
    const seen = this.counts[depth] as number;
    if (code === undefined) return this.refuse(`unknown XML-RPC tag '${name}'`);
    if (!allowedChild(parent, seen, code)) return this.refuse(`<${name}> where it cannot stand`);
    if (parent === Tag.Value && NON_WHITESPACE.test(this.chars)) return this.refuse('text beside a typed value');
    this.counts[depth] = seen + 1;
    this.tags.push(code);
    this.counts.push(0);
    this.chars = '';
    if (code === Tag.Array) this.openContainer([]);
    else if (code === Tag.Struct) this.openContainer(Object.create(null));
  }

  close(): void {
    if (this.invalid !== undefined) return;
    const code = this.tags.pop() as TagCode;
    const seen = this.counts.pop() as number;
    try {
      this.closeElement(code, seen);
    } catch (error) {
      if (!(error instanceof ScalarTextError)) throw error;
      this.refuse(error.message);
    }
  }

  text(source: string, start: number, end: number): void {
    if (this.invalid !== undefined) return;
    const depth = this.tags.length - 1;
    const top = this.tags[depth] as TagCode;
    const afterTypedValue = top === Tag.Value && (this.counts[depth] as number) > 0;
    if (holdsText(top) && !afterTypedValue)
      this.chars += start === 0 && end === source.length ? source : source.slice(start, end);
    else if (hasNonWhitespace(source, start, end)) this.refuse(`text inside <${elementName(top)}>`);
  }

  /**
   * The ten events of a plain member at once (see XmlEventSink.member), leaving the state they
   * would: the member counted in its struct, its name set, its value delivered. Only inside a
   * struct; elsewhere the events come one by one and meet the grammar's checks.
   */
  member(name: string, type: string | undefined, value: string): boolean {
    if (this.invalid !== undefined) return true;
    const depth = this.tags.length - 1;
    if (this.tags[depth] !== Tag.Struct) return false;
    this.counts[depth] = (this.counts[depth] as number) + 1;
    this.names[this.names.length - 1] = name;
    this.chars = value;
    if (type === undefined) {
      this.deliver(value);
      return true;
    }
    const code = tagOf(type) as TagCode;
    try {
      this.held = scalarOf(code, value);
    } catch (error) {
      if (!(error instanceof ScalarTextError)) throw error;
      this.refuse(error.message);
      return true;
    }
    this.heldDouble = code === Tag.Double;
    this.deliver(this.held);
    return true;
  }

  result(): DecodedCall {
    if (this.invalid !== undefined) {
      throw new XmlRpcFaultError(XmlRpcFaultCode.INVALID_REQUEST, `not an XML-RPC call: ${this.invalid}`);
    }
    noteNesting(this.params, this.deepest);
    return { method: this.methodName, params: this.params };
  }

  private closeElement(code: TagCode, seen: number): void {
    if (isScalar(code)) {
      this.held = scalarOf(code, this.chars);
      this.heldDouble = code === Tag.Double;
      return;
    }
    switch (code) {
      case Tag.Value:
        return this.deliver(seen === 0 ? this.chars : this.held);
      case Tag.MethodName:
        this.methodName = this.chars;
        return;
      case Tag.Name:
        this.names[this.names.length - 1] = this.chars;
        return;
      case Tag.Nil:
        this.held = null;
        return;
      case Tag.Array:
      case Tag.Struct:
        if (code === Tag.Array && seen !== 1) return this.refuse('<array> without <data>');
        this.names.pop();
        this.held = this.containers.pop();
        return;
      case Tag.Param:
        if (seen !== 1) this.refuse('<param> without <value>');
        return;
      case Tag.Member:
        if (seen !== 2) this.refuse('<member> without <name> and <value>');
        return;
      case Tag.MethodCall:
        if (this.methodName === '') this.refuse('no methodName');
        return;
    }
  }

  private deliver(value: unknown): void {
    const parent = this.tags[this.tags.length - 1];
    const container = this.containers[this.containers.length - 1];
    if (parent === Tag.Param) return void this.params.push(value);
    // Only whole-number doubles are noted: 2.0 and 2 decode alike, and the countdown echo tells them apart.
    const wholeDouble = this.heldDouble && typeof value === 'number' && Number.isInteger(value);
    if (parent === Tag.Data) {
      if (wholeDouble) this.noteDouble(container as object, (container as unknown[]).length, true);
      (container as unknown[]).push(value);
      return;
    }
    const name = this.names[this.names.length - 1] as string;
    if (wholeDouble || this.notedDouble) this.noteDouble(container as object, name, wholeDouble);
    (container as Record<string, unknown>)[name] = value;
  }

  private noteDouble(container: object, key: string | number, isDouble: boolean): void {
    noteWholeDouble(container, key, isDouble);
    if (isDouble) this.notedDouble = true;
  }

  private openContainer(container: unknown): void {
    this.containers.push(container);
    this.names.push('');
    if (this.containers.length > this.deepest) this.deepest = this.containers.length;
  }

  private refuse(reason: string): void {
    this.invalid ??= reason;
  }
}

const SCALAR_READERS: Partial<Record<TagCode, (text: string) => unknown>> = {
  [Tag.Int]: intOf,
  [Tag.I8]: i8Of,
  [Tag.Double]: doubleOf,
  [Tag.Boolean]: booleanOf,
  [Tag.Base64]: base64Of,
  [Tag.DateTime]: dateTimeOf,
};

/** `<string>` (and any scalar without a reader) is its text. */
function scalarOf(code: TagCode, text: string): unknown {
  const read = SCALAR_READERS[code];
  return read === undefined ? text : read(text);
}

/** Whether source[start, end) holds a character that is not whitespace as JavaScript's \s sees it. */
function hasNonWhitespace(source: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = source.charCodeAt(i);
    if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) continue;
    if (code < 0x80 || !WHITESPACE_CHAR.test(source[i] as string)) return true;
  }
  return false;
}
