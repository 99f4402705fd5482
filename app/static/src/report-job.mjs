// The progress of a register printed in the background: polls the job's small JSON status
// and updates the bar, the label, and the download link once the PDF exists. Without script,
// the page shows the state it was rendered with and a link to reload it.
const POLL_MS = 1500;

function render(box, status) {
  const label = box.querySelector('.job-label');
  const bar = box.querySelector('.job-bar');
  label.textContent = status.rows ? `${status.label} — ${status.rows} hồ sơ` : status.label;
  bar.value = status.percent;
  bar.textContent = `${status.percent}%`;
  const error = box.querySelector('.job-error');
  error.textContent = status.error || '';
  error.hidden = !status.error;
  box.querySelector('.job-download').hidden = !status.download;
}

async function poll(box) {
  let status;
  try {
    const response = await fetch(box.dataset.statusUrl, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) throw new Error(String(response.status));
    status = await response.json();
  } catch (problem) {
    box.querySelector('.job-label').textContent = 'Mất kết nối, đang thử lại…';
    window.setTimeout(() => poll(box), POLL_MS * 2);
    return;
  }
  render(box, status);
  if (status.state === 'queued' || status.state === 'running') window.setTimeout(() => poll(box), POLL_MS);
}

document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('.job[data-status-url]').forEach((box) => poll(box));
});
