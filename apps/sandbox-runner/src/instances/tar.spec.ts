import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ZAppFilePath } from '@kiln/contracts';
import { containerOptions } from '../docker/container-spec.js';
import { firstTarEntry, packTar } from './tar.js';

describe('instance files and container options', () => {
  it('packs files with their parent folders, owned by the app user, and reads an entry back', () => {
    const long = `${'d'.repeat(90)}/${'e'.repeat(90)}/file.txt`;
    const tar = packTar([{ path: long, data: Buffer.from('hi') }], 10001);
    const first = firstTarEntry(tar);
    assert.equal(first?.type, '5');
    assert.equal(first?.name, `${'d'.repeat(90)}/`);
    assert.equal(tar.toString('utf8', 108, 115), '0023421');
    const single = firstTarEntry(packTar([{ path: 'a.txt', data: Buffer.from('hello') }], 10001));
    assert.deepEqual({ ...single, data: single?.data.toString() }, { name: 'a.txt', type: '0', data: 'hello' });
  });

  it('refuses paths that could leave the app folder', () => {
    for (const p of ['../x', '/etc/passwd', 'a/../../b', 'a/./b', 'a//b', 'a\\b', 'a\0b', '', '.kiln/env.json'])
      assert.equal(ZAppFilePath.safeParse(p).success, false, p);
    assert.equal(ZAppFilePath.safeParse('src/index.ts').success, true);
  });

  it('asks the engine for every limit', () => {
    const o = containerOptions({
      name: 'n',
      image: 'i',
      network: 'net',
      labels: {},
      env: { A: '1' },
      memoryMb: 256,
      cpus: 0.5,
      pids: 64,
      diskMb: 32,
      tmpMb: 16,
      restartOnFailure: false,
      hosts: { 'kiln-gateway': '172.30.0.1' },
      appVolume: true,
    });
    const h = o.HostConfig!;
    assert.deepEqual(
      [o.User, h.Memory, h.MemorySwap, h.NanoCpus, h.PidsLimit, h.CapDrop, h.SecurityOpt, h.ReadonlyRootfs],
      ['10001:10001', 256 * 2 ** 20, 256 * 2 ** 20, 5e8, 64, ['ALL'], ['no-new-privileges'], true],
    );
    assert.match(h.Tmpfs?.['/tmp'] ?? '', /size=16m/);
    assert.match(h.Mounts?.[0]?.VolumeOptions?.DriverConfig?.Options?.['o'] ?? '', /^size=32m,/);
    assert.deepEqual(h.ExtraHosts, ['kiln-gateway:172.30.0.1']);
  });
});
