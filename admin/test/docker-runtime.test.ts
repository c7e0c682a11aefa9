import { describe, expect, it } from 'vitest';
import { demuxLogs } from '../src/docker/container-logs.js';
import { hostOf, imageTag } from '../src/docker/engine.js';
import { hostPort, swarmStackFile } from '../src/docker/stack-file.js';
import { withVersion } from '../src/docker/swarm-services.js';

describe('the Docker runtime: pure parts', () => {
  it.each([
    ['microflack/messages:2', '2'],
    ['microflack/messages', 'latest'],
    ['registry:5000/microflack/messages', 'latest'],
    ['registry:5000/microflack/messages:next@sha256:abc', 'next'],
  ])('when the image is %s, then its tag is %s', (reference, tag) => {
    expect(imageTag(reference)).toBe(tag);
  });

  it('when an address is host:port, then hostOf keeps the host', () => {
    expect(hostOf('10.0.1.5:8000')).toBe('10.0.1.5');
  });

  it('when the engine frames stdout and stderr, then demuxLogs joins their bytes', () => {
    const frame = (stream: number, text: string) => {
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([header, Buffer.from(text)]);
    };
    const log = Buffer.concat([
      frame(1, '{"a":1}\n'),
      frame(2, 'Error: x\n'),
      frame(1, '{"b":2}\n'),
    ]);
    expect(demuxLogs(log)).toBe('{"a":1}\nError: x\n{"b":2}\n');
  });

  it('when a version is set twice, then the environment holds the last one only', () => {
    expect(withVersion(['A=1', 'MF_VERSION=latest'], 'next')).toEqual(['A=1', 'MF_VERSION=next']);
    expect(withVersion(undefined, '2')).toEqual(['MF_VERSION=2']);
  });
});

describe('the swarm stack file', () => {
  it.each([
    ['127.0.0.1:8080:8080/tcp', { published: 8080, target: 8080, protocol: 'tcp' }],
    ['40123:8404', { published: 40123, target: 8404, protocol: 'tcp' }],
    ['5353:53/udp', { published: 5353, target: 53, protocol: 'udp' }],
  ])('when compose publishes %s, then the stack publishes it in host mode', (port, expected) => {
    expect(hostPort(port)).toEqual({ ...expected, mode: 'host' });
  });

  it('when a port is a range, then it is refused by name', () => {
    expect(() => hostPort('8000-8001:8000-8001')).toThrow('"8000-8001:8000-8001"');
  });

  it("when compose's config is rendered, then compose-only keys go and the rest stays", () => {
    const config = {
      services: {
        balancer: {
          image: 'microflack/balancer:latest',
          ports: ['127.0.0.1:8080:8080/tcp'],
          depends_on: { etcd: { condition: 'service_healthy' } },
          restart: 'unless-stopped',
          deploy: { endpoint_mode: 'dnsrr' },
        },
        etcd: { image: 'microflack/etcd:bookworm', command: ['etcd'] },
      },
      volumes: { 'postgres-data': {} },
    };
    expect(swarmStackFile(config)).toEqual({
      version: '3.8',
      services: {
        balancer: {
          image: 'microflack/balancer:latest',
          ports: [{ published: 8080, target: 8080, protocol: 'tcp', mode: 'host' }],
          deploy: { endpoint_mode: 'dnsrr' },
        },
        etcd: { image: 'microflack/etcd:bookworm', command: ['etcd'] },
      },
      volumes: { 'postgres-data': {} },
    });
  });
});
