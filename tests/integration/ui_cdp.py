#!/usr/bin/env python3
"""ui_cdp.py - drives headless Chromium over the DevTools protocol for
tests/integration/ui.sh: opens URL (Basic credentials as a header), waits
until a JS condition holds, evaluates a JS expression, optionally takes a
screenshot, and prints JSON {"value", "requests", "errors"}. Standard
library only (a raw websocket client); run it inside the agent's netns."""
import argparse, base64, json, os, shutil, socket, struct, subprocess, sys, tempfile, time
import urllib.request


class WS:
    """The client half of RFC 6455: text frames, masked, no extensions."""

    def __init__(self, url):
        assert url.startswith('ws://')
        hostport, path = url[5:].split('/', 1)
        host, port = hostport.rsplit(':', 1)
        self.s = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f'GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n'
                        f'Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n'
                        'Sec-WebSocket-Version: 13\r\n\r\n').encode())
        head = b''
        while b'\r\n\r\n' not in head:
            head += self.s.recv(1)
        if b' 101 ' not in head.split(b'\r\n', 1)[0]:
            raise RuntimeError('websocket handshake failed: %r' % head[:80])

    def send(self, text):
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                               bytes([0x80 | 126]) + struct.pack('>H', n) if n < 65536 else
                               bytes([0x80 | 127]) + struct.pack('>Q', n))
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        buf = b''
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError('websocket closed')
            buf += chunk
        return buf

    def recv(self):
        msg = b''
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack('>H', self._read(2))[0]
            elif n == 127:
                n = struct.unpack('>Q', self._read(8))[0]
            payload = self._read(n)
            if (b0 & 0x0f) == 8:
                raise EOFError('websocket closed')
            if (b0 & 0x0f) in (9, 10):
                continue
            msg += payload
            if b0 & 0x80:
                return json.loads(msg)


class Page:
    def __init__(self, ws):
        self.ws, self.next, self.events = ws, 0, []

    def call(self, method, **params):
        self.next += 1
        self.ws.send(json.dumps({'id': self.next, 'method': method, 'params': params}))
        while True:
            m = self.ws.recv()
            if m.get('id') == self.next:
                if 'error' in m:
                    raise RuntimeError(f'{method}: {m["error"]}')
                return m.get('result', {})
            self.events.append(m)

    def eval(self, expr):
        r = self.call('Runtime.evaluate', expression=expr, returnByValue=True, awaitPromise=True)
        if 'exceptionDetails' in r:
            raise RuntimeError('JS: ' + json.dumps(r['exceptionDetails'])[:300])
        return r['result'].get('value')


def launch(chromium):
    prof = tempfile.mkdtemp(prefix='nst-ui-')
    p = subprocess.Popen([chromium, '--headless=new', '--no-sandbox', '--disable-gpu',
                          '--no-first-run', '--disable-extensions', '--hide-scrollbars',
                          '--disable-background-networking', '--disable-component-update',
                          '--disable-sync', '--remote-debugging-port=0',
                          '--user-data-dir=' + prof, 'about:blank'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    port_file = os.path.join(prof, 'DevToolsActivePort')
    for _ in range(300):
        if os.path.exists(port_file) and open(port_file).read().count('\n') >= 1:
            return p, prof, int(open(port_file).read().split('\n')[0])
        time.sleep(0.1)
    p.kill()
    raise RuntimeError('chromium did not open its DevTools port')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--url', required=True)
    ap.add_argument('--auth')
    ap.add_argument('--wait', default='true', help='JS condition to wait for')
    ap.add_argument('--eval', default='null')
    ap.add_argument('--shot')
    ap.add_argument('--size', default='1280x800')
    ap.add_argument('--timeout', type=float, default=30)
    ap.add_argument('--chromium', default=shutil.which('chromium') or '/usr/bin/chromium')
    a = ap.parse_args()
    w, h = map(int, a.size.split('x'))
    proc, prof, port = launch(a.chromium)
    try:
        req = urllib.request.Request(f'http://127.0.0.1:{port}/json/new?about:blank', method='PUT')
        target = json.load(urllib.request.urlopen(req, timeout=10))
        page = Page(WS(target['webSocketDebuggerUrl']))
        page.call('Network.enable')
        page.call('Runtime.enable')
        page.call('Log.enable')
        if a.auth:
            tok = base64.b64encode(a.auth.encode()).decode()
            page.call('Network.setExtraHTTPHeaders', headers={'Authorization': 'Basic ' + tok})
        page.call('Emulation.setDeviceMetricsOverride', width=w, height=h,
                  deviceScaleFactor=1, mobile=w < 600)
        page.call('Page.navigate', url=a.url)
        deadline, ok = time.time() + a.timeout, False
        while time.time() < deadline:
            try:
                ok = bool(page.eval(a.wait))
            except RuntimeError:
                ok = False
            if ok:
                break
            time.sleep(0.25)
        value = page.eval(a.eval)
        if a.shot:
            shot = page.call('Page.captureScreenshot', format='png')
            with open(a.shot, 'wb') as f:
                f.write(base64.b64decode(shot['data']))
        reqs = [e['params']['request']['url'] for e in page.events
                if e.get('method') == 'Network.requestWillBeSent']
        errs = [e['params']['entry']['text'] for e in page.events
                if e.get('method') == 'Log.entryAdded' and e['params']['entry']['level'] == 'error']
        errs += [json.dumps(e['params']['exceptionDetails'])[:300] for e in page.events
                 if e.get('method') == 'Runtime.exceptionThrown']
        json.dump({'waited': ok, 'value': value, 'requests': reqs, 'errors': errs}, sys.stdout)
        print()
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        shutil.rmtree(prof, ignore_errors=True)


if __name__ == '__main__':
    main()
