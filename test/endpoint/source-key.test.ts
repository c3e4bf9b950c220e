import { describe, expect, it } from 'vitest';
import { sourceKey } from '../../src/endpoint/source-key.js';

describe('the source a connection counts against', () => {
  it('is the IPv4 address, also as a dual-stack listener shows it', () => {
    expect(sourceKey('192.0.2.7')).toBe('192.0.2.7');
    expect(sourceKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(sourceKey('::FFFF:192.0.2.7')).toBe('192.0.2.7');
  });

  it('is the /64 of an IPv6 address, however the address is written', () => {
    const key = '2001:db8:a:b::/64';
    expect(sourceKey('2001:db8:a:b::1')).toBe(key);
    expect(sourceKey('2001:0db8:000a:000b:ffff:ffff:ffff:fffe')).toBe(key);
    expect(sourceKey('2001:DB8:A:B:1:2:3:4')).toBe(key);
    expect(sourceKey('2001:db8:a:b:0:0:c0a8:1')).toBe(key);
    expect(sourceKey('2001:db8:a:b::192.168.0.1')).toBe(key);
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
  });

  it('tells different /64s apart', () => {
    expect(sourceKey('2001:db8:a:b::1')).not.toBe(sourceKey('2001:db8:a:c::1'));
    expect(sourceKey('2001:db8::1')).not.toBe(sourceKey('2001:db9::1'));
  });
});
