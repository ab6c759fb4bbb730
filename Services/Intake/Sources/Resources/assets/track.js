// Hromada intake: the tracking page opened from the receipt's QR code. The code travels in the
// address's fragment (#code=…), which browsers never send to a server: this puts it into the
// form, takes it out of the address (so it stays out of history) and looks the appeal up.
(function () {
  'use strict';
  var match = /(?:^#|&)code=([^&]*)/.exec(location.hash || '');
  if (!match) return;
  var code = '';
  try { code = decodeURIComponent(match[1]); } catch (e) { code = ''; }
  history.replaceState(history.state, '', location.pathname + location.search);
  var form = document.getElementById('track-form');
  var field = form && form.querySelector('[name=token]');
  var number = form && form.querySelector('[name=number]');
  if (!field || !code || !number || !number.value) return;
  field.value = code;
  form.submit();
})();
