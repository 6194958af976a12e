import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/agent/errors.ts';
import {
  DEFAULT_WEB_POLICY,
  effectivePort,
  findAllowRule,
  normalizeHost,
  parseAllowList,
  suggestAllowEntry,
  webPolicyFromEnv,
} from '../../src/net/web-policy.ts';

describe('parseAllowList', () => {
  it('reads hosts, IPs, ports and bracketed IPv6', () => {
    expect(parseAllowList('127.0.0.1:8080,intranet.local,[::1]:9000')).toEqual([
      { host: '127.0.0.1', port: 8080 },
      { host: 'intranet.local' },
      { host: '::1', port: 9000 },
    ]);
  });

  it('normalises names and IP literals and skips blank entries', () => {
    expect(parseAllowList(' Intranet.Local. , ,0x7f.1:3000, [0:0::1] ,fd00::5,10.1,')).toEqual([
      { host: 'intranet.local' },
      { host: '127.0.0.1', port: 3000 },
      { host: '::1' },
      { host: 'fd00::5' },
      { host: '10.0.0.1' },
    ]);
  });

  it('returns nothing for an unset or empty variable', () => {
    expect(parseAllowList(undefined)).toEqual([]);
    expect(parseAllowList('')).toEqual([]);
  });

  it.each(['http://intranet.local', 'host:abc', 'host:0', 'host:65536', 'host:', '[::1', '[intranet]:80', '*.example.com', '10.0.0.0/8', 'a b', '1.2.3.4.5', 'fd00::1:80:x'])(
    'refuses %j with a UserError',
    (entry) => {
      expect(() => parseAllowList(`ok.local,${entry}`)).toThrow(UserError);
    },
  );

  it('names the entry, the source and the expected form', () => {
    expect(() => parseAllowList('ok.local,host:abc')).toThrowErrorMatchingInlineSnapshot(
      `[UserError: GANTRY_WEB_ALLOW entry "host:abc" is not valid: expected a host, host:port, IPv4, IPv4:port, IPv6 or [IPv6]:port, entries separated by commas (e.g. 127.0.0.1:8080,intranet.local,[::1]:9000).]`,
    );
    expect(() => parseAllowList('*.corp', 'web.allow in gantry.config.json')).toThrow('web.allow in gantry.config.json entry "*.corp" is not valid');
  });
});

describe('webPolicyFromEnv', () => {
  it('reads GANTRY_WEB_ALLOW', () => {
    expect(webPolicyFromEnv({ GANTRY_WEB_ALLOW: '127.0.0.1:8080' })).toEqual({ allow: [{ host: '127.0.0.1', port: 8080 }] });
    expect(webPolicyFromEnv({})).toEqual({ allow: [] });
  });

  it('the default policy allows nothing', () => {
    expect(DEFAULT_WEB_POLICY.allow).toEqual([]);
    expect(Object.isFrozen(DEFAULT_WEB_POLICY)).toBe(true);
  });
});

describe('findAllowRule', () => {
  const policy = { allow: parseAllowList('127.0.0.1:8080,intranet.local,[::1]:9000') };

  it('matches a host on the rule port only', () => {
    expect(findAllowRule(policy, { hosts: ['127.0.0.1'], port: 8080 })).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(findAllowRule(policy, { hosts: ['127.0.0.1'], port: 8081 })).toBeUndefined();
    expect(findAllowRule(policy, { hosts: ['::1'], port: 9000 })).toEqual({ host: '::1', port: 9000 });
    expect(findAllowRule(policy, { hosts: ['::1'], port: 8080 })).toBeUndefined();
  });

  it('matches a host without a port on every port', () => {
    expect(findAllowRule(policy, { hosts: ['intranet.local'], port: 80 })).toEqual({ host: 'intranet.local' });
    expect(findAllowRule(policy, { hosts: ['intranet.local'], port: 6443 })).toEqual({ host: 'intranet.local' });
    expect(findAllowRule(policy, { hosts: ['other.local'], port: 80 })).toBeUndefined();
  });

  it('compares hosts in any spelling, and hand-built rules too', () => {
    expect(findAllowRule(policy, { hosts: ['[::1]'], port: 9000 })).toBeDefined();
    expect(findAllowRule(policy, { hosts: ['0x7f.1'], port: 8080 })).toBeDefined();
    expect(findAllowRule(policy, { hosts: ['INTRANET.local.'], port: 80 })).toBeDefined();
    expect(findAllowRule({ allow: [{ host: '[0:0::1]', port: 9000 }] }, { hosts: ['::1'], port: 9000 })).toBeDefined();
  });

  it('matches when any of the given hosts (name or resolved address) is allowed', () => {
    expect(findAllowRule(policy, { hosts: ['dev.example', '127.0.0.1'], port: 8080 })).toEqual({ host: '127.0.0.1', port: 8080 });
  });
});

describe('helpers', () => {
  it('effectivePort uses the scheme default', () => {
    expect(effectivePort(new URL('http://a.example/'))).toEqual(80);
    expect(effectivePort(new URL('https://a.example/'))).toEqual(443);
    expect(effectivePort(new URL('https://a.example:8443/'))).toEqual(8443);
    expect(effectivePort(new URL('http://a.example:80/'))).toEqual(80);
  });

  it('normalizeHost and suggestAllowEntry write hosts the way rules hold them', () => {
    expect(normalizeHost('[::FFFF:127.0.0.1]')).toEqual('::ffff:7f00:1');
    expect(normalizeHost('Example.COM.')).toEqual('example.com');
    expect(suggestAllowEntry('10.0.0.5', 80)).toEqual('10.0.0.5:80');
    expect(suggestAllowEntry('[fd00::1]', 443)).toEqual('[fd00::1]:443');
  });
});
