import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@microflack/common';
import { balancerEnv, balancerEnvironment, renderSettings } from '@microflack/haproxy';

const load = (env: Record<string, string>) => loadConfig(balancerEnv, {}, env);

describe('balancerEnv', () => {
  it('when nothing is set, then the local defaults apply', () => {
    const config = load({});

    expect(renderSettings(config)).toEqual({
      bindHost: '127.0.0.1',
      balancerPort: 8080,
      statsPort: 8404,
      statsAuth: 'admin:microflack',
      stateFile: '/var/lib/microflack/haproxy/haproxy.state',
      adminSocket: '/var/lib/microflack/haproxy/admin.sock',
      peersSocket: '/var/lib/microflack/haproxy/peers.sock',
      hardStopAfterSeconds: 30,
    });
    expect(config.MF_RELOAD_INTERVAL_MS).toBe(500);
  });

  it.each([
    ['HAPROXY_STATS_AUTH', 'no-colon', /HAPROXY_STATS_AUTH/],
    ['HAPROXY_STATS_AUTH', 'user:pass word', /HAPROXY_STATS_AUTH/],
    ['MF_BALANCER_PORT', '80800', /MF_BALANCER_PORT/],
    ['MF_ETCD_PREFIX', 'microflack/', /MF_ETCD_PREFIX/],
    ['HAPROXY_HARD_STOP_AFTER', '0', /HAPROXY_HARD_STOP_AFTER/],
    ['HAPROXY_RUN_AS', 'haproxy', /HAPROXY_RUN_AS/],
    ['MF_BALANCER_HTTPS_REDIRECT', 'sometimes', /MF_BALANCER_HTTPS_REDIRECT/],
    ['HAPROXY_RUN_AS', "x:y' user root", /HAPROXY_RUN_AS/],
  ])('when %s is %j, then the error names it', (name, value, message) => {
    expect(() => load({ [name]: value })).toThrow(message);
  });

  it('when NODE_ENV=production and the stats password is left to its default, then it refuses to start', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => load({ NODE_ENV: 'production' })).toThrow(/HAPROXY_STATS_AUTH/);
    expect(load({ NODE_ENV: 'production', HAPROXY_STATS_AUTH: 'ops:l0ng-s3cret' })).toMatchObject({
      HAPROXY_STATS_AUTH: 'ops:l0ng-s3cret',
    });
  });

  it('when HAPROXY_RUN_AS is user:group, then the workers drop to them', () => {
    expect(renderSettings(load({ HAPROXY_RUN_AS: 'haproxy:haproxy' }))).toMatchObject({
      runAs: { user: 'haproxy', group: 'haproxy' },
    });
  });

  it('when MF_BALANCER_TLS_CERT is set, then HTTPS listens on MF_BALANCER_HTTPS_PORT', () => {
    const config = load({
      MF_BALANCER_TLS_CERT: '/etc/microflack/balancer.pem',
      MF_BALANCER_HTTPS_REDIRECT: 'true',
      MF_BALANCER_HSTS_MAX_AGE: '600',
    });

    expect(renderSettings(config).https).toEqual({
      port: 8443,
      certificate: '/etc/microflack/balancer.pem',
      redirect: true,
      hstsMaxAgeSeconds: 600,
    });
    expect(renderSettings(load({ MF_BALANCER_HTTPS_REDIRECT: 'true' })).https).toBeUndefined();
    expect(load({ MF_BALANCER_HTTPS_REDIRECT: 'false' }).MF_BALANCER_HTTPS_REDIRECT).toBe(false);
  });

  it('when a configuration is turned back into an environment, then it parses to itself', () => {
    const config = load({
      MF_ETCD_URL: 'http://127.0.0.1:1,http://127.0.0.1:2',
      MF_BALANCER_PORT: '9000',
      HAPROXY_RUN_AS: 'haproxy:haproxy',
      MF_BALANCER_TLS_CERT: '/etc/microflack/balancer.pem',
      MF_BALANCER_HTTPS_REDIRECT: 'true',
    });

    expect(load(balancerEnvironment(config))).toEqual(config);
  });

  it('when only the former MF_LB_BIND and MF_LB_PORT are set, then they still apply', () => {
    const config = load({ MF_LB_BIND: '0.0.0.0', MF_LB_PORT: '9000' });

    expect(renderSettings(config)).toMatchObject({ bindHost: '0.0.0.0', balancerPort: 9000 });
  });

  it('when both names are set, then the new one wins', () => {
    expect(load({ MF_LB_PORT: '9000', MF_BALANCER_PORT: '9001' }).MF_BALANCER_PORT).toBe(9001);
  });
});
