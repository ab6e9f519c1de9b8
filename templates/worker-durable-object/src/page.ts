/** The chat page. URLs are relative, so it also works under the preview proxy's /preview/<instance>/. */
export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Chat</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
  #log { list-style: none; padding: 0; min-height: 10rem; }
  #log li { padding: 0.2rem 0; }
  form { display: flex; gap: 0.5rem; }
  #text { flex: 1; }
</style>
</head>
<body>
<h1>Chat <small id="online"></small></h1>
<ul id="log"></ul>
<form id="form">
  <input id="name" placeholder="Name" size="10" />
  <input id="text" placeholder="Message" autocomplete="off" />
  <button>Send</button>
</form>
<script type="module">
  const log = document.getElementById('log');
  const url = new URL('api/rooms/lobby/ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url);
  const show = (m) => {
    const li = document.createElement('li');
    li.textContent = m.name + ': ' + m.text;
    log.append(li);
  };
  ws.addEventListener('message', (e) => {
    const event = JSON.parse(e.data);
    if (event.type === 'history') event.messages.forEach(show);
    if (event.type === 'message') show(event.message);
    if ('online' in event) document.getElementById('online').textContent = '(' + event.online + ' online)';
  });
  document.getElementById('form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = document.getElementById('text');
    ws.send(JSON.stringify({ name: document.getElementById('name').value, text: text.value }));
    text.value = '';
  });
</script>
</body>
</html>
`;
