// App Home: save the rules form through /admin/graphql, fetch the CSV with a fresh token.
//
// The token: inside Shopify's admin, App Bridge is loaded and `shopify.idToken()` gives a fresh
// ID token for every request (they live one minute). Where App Bridge could not load (devshop
// offline, tests, a blocked CDN), the page falls back to the token Shopify opened it with; it
// is good for about a minute, after which the backend answers 401 and the page says to reload.
//
// The words it shows come from the page, in the merchant's language (`data-msg-*` on the form).
(() => {
  // App Bridge draws the menu in the admin's sidebar: the page's own menu gives way.
  if (window.shopify) document.documentElement.dataset.appBridge = '';

  const app = document.getElementById('app');
  if (!app) return;

  async function idToken() {
    const bridge = window.shopify;
    if (bridge && typeof bridge.idToken === 'function') {
      try {
        return await bridge.idToken();
      } catch (error) {
        // fall through to the page's own token
      }
    }
    return app.dataset.idToken;
  }

  async function authorizedFetch(url, options = {}) {
    const headers = { ...(options.headers || {}), Authorization: `Bearer ${await idToken()}` };
    return fetch(url, { ...options, headers });
  }

  async function downloadCsv(event) {
    // A fresh token instead of the one in the link, which expires a minute after the page.
    event.preventDefault();
    const link = event.currentTarget;
    const response = await authorizedFetch(link.getAttribute('href').split('?')[0]);
    if (!response.ok) {
      window.location.assign(link.href);
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.download = link.getAttribute('download') || 'cancellations.csv';
    anchor.click();
    URL.revokeObjectURL(url);
  }

  const csv = document.querySelector('[data-csv]');
  if (csv) csv.addEventListener('click', downloadCsv);

  // Holds: "Release now" asks the backend to release the app's own hold on one order.
  const RELEASE = `mutation Release($orderId: ID!) { releaseHold(orderId: $orderId) }`;
  const releaseStatus = document.querySelector('[data-release-status]');
  const releaseWords = document.querySelector('[data-release-words]');

  async function releaseNow(event) {
    const release = event.target.closest('form[data-release]');
    if (!release) return;
    event.preventDefault();
    const button = release.querySelector('button');
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    let queued = false;
    try {
      const response = await authorizedFetch(app.dataset.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          query: RELEASE, variables: { orderId: release.elements.orderId.value },
        }),
      });
      const body = response.ok ? await response.json() : {};
      queued = Boolean(body.data && body.data.releaseHold);
    } catch (error) {
      queued = false;
    } finally {
      button.removeAttribute('aria-busy');
      button.disabled = queued;
    }
    releaseStatus.textContent = queued
      ? releaseWords.dataset.msgQueued : releaseWords.dataset.msgFailed;
  }

  if (releaseStatus) document.addEventListener('submit', releaseNow);

  // Requests: approve or decline the selected requests; each row then says what happened.
  const requests = document.querySelector('form[data-requests]');
  const requestsStatus = document.querySelector('[data-requests-status]');
  const requestsWords = (document.querySelector('[data-requests-words]') || {}).dataset;
  const ANSWER = {
    approve: `mutation Approve($ids: [ID!]!) {
      answers: approveRequests(orderIds: $ids) { orderId ok state code message } }`,
    decline: `mutation Decline($ids: [ID!]!, $message: String) {
      answers: declineRequests(orderIds: $ids, message: $message) { orderId ok state code message } }`,
  };

  async function answerRequests(event) {
    event.preventDefault();
    const answer = event.submitter && event.submitter.value;
    const checked = Array.from(requests.querySelectorAll('input[name="orderId"]:checked'));
    if (!checked.length) {
      requestsStatus.textContent = requestsWords.msgNone;
      return;
    }
    const buttons = requests.querySelectorAll('button');
    buttons.forEach((button) => { button.disabled = true; });
    requests.setAttribute('aria-busy', 'true');
    try {
      const response = await authorizedFetch(app.dataset.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          query: ANSWER[answer],
          variables: {
            ids: checked.map((input) => input.value),
            ...(answer === 'decline' ? { message: requests.elements.message.value || null } : {}),
          },
        }),
      });
      const body = response.ok ? await response.json() : {};
      const answers = (body.data && body.data.answers) || null;
      if (!answers) throw new Error('failed');
      for (const result of answers) {
        const input = checked.find((box) => box.value === result.orderId);
        if (!input) continue;
        const row = input.closest('tr');
        input.checked = false;
        input.disabled = true;
        row.querySelector('[data-request-state]').textContent = result.ok
          ? (answer === 'approve' && result.state !== 'DECLINED'
            ? requestsWords.msgApproved : requestsWords.msgDeclined)
          : `${requestsWords.msgRefused} ${result.message || ''}`.trim();
      }
      requestsStatus.textContent = requestsWords.msgDone.replace('{count}', answers.length);
    } catch (error) {
      requestsStatus.textContent = requestsWords.msgFailed;
    } finally {
      requests.removeAttribute('aria-busy');
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  if (requests) requests.addEventListener('submit', answerRequests);

  // Withdrawals: the rule, "send again", and each acknowledgement as a file.
  async function adminGraphQL(query, variables) {
    try {
      const response = await authorizedFetch(app.dataset.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return response.ok ? await response.json() : {};
    } catch (error) {
      return {};
    }
  }

  const SAVE_WITHDRAWAL_RULE = `mutation Rule($enabled: Boolean!, $countries: [String!]!) {
    saveWithdrawalRule(enabled: $enabled, countries: $countries) { __typename }
  }`;
  const SEND_AGAIN = `mutation Again($orderId: ID!) { sendAcknowledgementAgain(orderId: $orderId) }`;
  const withdrawalRule = document.querySelector('form[data-withdrawal-rule]');
  if (withdrawalRule) {
    withdrawalRule.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = withdrawalRule.querySelector('button[type="submit"]');
      const status = withdrawalRule.querySelector('[data-withdrawal-rule-status]');
      button.disabled = true;
      const body = await adminGraphQL(SAVE_WITHDRAWAL_RULE, {
        enabled: withdrawalRule.elements.enabled.checked,
        countries: withdrawalRule.elements.countries.value.split(/[\s,;]+/).filter(Boolean),
      });
      button.disabled = false;
      const saved = body.data && body.data.saveWithdrawalRule.__typename === 'WithdrawalRuleSaved';
      status.textContent = saved ? withdrawalRule.dataset.msgSaved : withdrawalRule.dataset.msgFailed;
    });
  }
  const sendAgainStatus = document.querySelector('[data-send-again-status]');
  const sendAgainWords = document.querySelector('[data-send-again-words]');
  if (sendAgainStatus) {
    document.addEventListener('submit', async (event) => {
      const form = event.target.closest('form[data-send-again]');
      if (!form) return;
      event.preventDefault();
      const button = form.querySelector('button');
      button.disabled = true;
      const body = await adminGraphQL(SEND_AGAIN, { orderId: form.elements.orderId.value });
      const queued = Boolean(body.data && body.data.sendAcknowledgementAgain);
      button.disabled = queued;
      sendAgainStatus.textContent = queued
        ? sendAgainWords.dataset.msgQueued : sendAgainWords.dataset.msgFailed;
    });
  }
  document.querySelectorAll('a[data-acknowledgement]').forEach((link) => {
    link.addEventListener('click', async (event) => {
      event.preventDefault();
      const href = new URL(link.href);
      href.searchParams.delete('id_token');
      const response = await authorizedFetch(href.toString());
      if (!response.ok) {
        window.location.assign(link.href);
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = 'withdrawal.txt';
      anchor.click();
      URL.revokeObjectURL(url);
    });
  });

  const form = document.getElementById('rules');
  if (!form) return;
  const words = form.dataset;

  const SAVE = `mutation Save($input: RulesInput!) {
    saveRules(input: $input) {
      __typename
      ... on RulesSaved { themeUpdated rules { windowMinutes } }
      ... on RulesInvalid { errors { field message } }
    }
  }`;

  const list = form.querySelector('[data-reasons]');
  const template = form.querySelector('[data-reason-template]');
  const summary = form.querySelector('[data-summary]');
  const saved = form.querySelector('[data-saved]');
  const submit = form.querySelector('button[type="submit"]');

  function rows() {
    return Array.from(list.querySelectorAll('[data-reason]'));
  }

  function renumber() {
    rows().forEach((row, index) => {
      row.querySelector('[data-reason-number]').textContent = String(index + 1);
    });
  }

  function tags(name) {
    return form.elements[name].value.split(',').map((tag) => tag.trim()).filter(Boolean);
  }

  function translations(text) {
    return text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const at = line.indexOf(':');
        return at < 0
          ? { locale: line, label: '' }
          : { locale: line.slice(0, at).trim(), label: line.slice(at + 1).trim() };
      });
  }

  function collect() {
    const minutes = form.elements.windowMinutes.value.trim();
    const cutoff = form.elements.cutoff.value.trim();
    const editMinutes = form.elements.editWindowMinutes.value.trim();
    return {
      enabled: form.elements.enabled.checked,
      windowMinutes: minutes === "" ? null : Number(minutes),
      cutoff: cutoff === '' ? null : cutoff,
      excludedProductTags: tags('excludedProductTags'),
      excludedOrderTags: tags('excludedOrderTags'),
      allowedFinancialStatuses: Array.from(
        form.querySelectorAll('input[name="allowedFinancialStatuses"]:checked'),
        (input) => input.value,
      ),
      refundMethod: form.querySelector('input[name="refundMethod"]:checked')?.value
        || 'ORIGINAL_PAYMENT_METHODS',
      restock: form.elements.restock.checked,
      notifyCustomer: form.elements.notifyCustomer.checked,
      holdRiskyOrders: form.elements.holdRiskyOrders.checked,
      holdFulfillment: form.elements.holdFulfillment.checked,
      holdOwnLocationsOnly: form.elements.holdOwnLocationsOnly.checked,
      partialCancel: form.elements.partialCancel.checked,
      feePercent: form.elements.feePercent.value.trim(),
      feeFixed: form.elements.feeFixed.value.trim(),
      feeCap: form.elements.feeCap.value.trim(),
      editAddress: form.elements.editAddress.checked,
      editCountryChange: form.elements.editCountryChange.checked,
      editVariant: form.elements.editVariant.checked,
      editQuantity: form.elements.editQuantity.checked,
      editOwnWindow: form.elements.editOwnWindow.checked,
      editWindowMinutes: editMinutes === '' ? null : Number(editMinutes),
      approval: form.querySelector('input[name="approval"]:checked')?.value || 'OFF',
      approvalAbove: form.elements.approvalAbove.value.trim() || null,
      autoApproveMinutes: form.elements.autoApproveMinutes.value.trim() === ''
        ? null : Number(form.elements.autoApproveMinutes.value.trim()),
      staffNoteFormat: form.elements.staffNoteFormat.value,
      reasons: rows().map((row) => ({
        code: row.querySelector('[name="code"]').value.trim(),
        label: row.querySelector('[name="label"]').value,
        translations: translations(row.querySelector('[name="translations"]').value),
      })),
    };
  }

  function clearErrors() {
    form.querySelectorAll('[data-error-for]').forEach((slot) => {
      slot.hidden = true;
      slot.textContent = '';
    });
    form.querySelectorAll('[aria-invalid]').forEach((input) => {
      input.removeAttribute('aria-invalid');
    });
    summary.textContent = '';
    saved.textContent = '';
  }

  // "reasons[2].translations[0].label" -> the third row's translations slot.
  function slotFor(field) {
    const match = /^reasons\[(\d+)\]\.(\w+)/.exec(field);
    if (match) {
      const row = rows()[Number(match[1])];
      return row && row.querySelector(`[data-error-for="${match[2]}"]`);
    }
    return form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
  }

  function showErrors(errors) {
    let first = null;
    for (const { field, message } of errors) {
      const slot = slotFor(field) || summary;
      if (slot !== summary) {
        slot.hidden = false;
        slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
        const input = slot.parentElement.querySelector('input, textarea');
        if (input) {
          input.setAttribute('aria-invalid', 'true');
          if (!input.id) input.id = `input-${Math.random().toString(36).slice(2)}`;
          slot.id = slot.id || `${input.id}-error`;
          input.setAttribute('aria-describedby', slot.id);
          first = first || input;
        }
      }
    }
    const count = errors.length;
    const heading = count === 1 ? words.msgAttentionOne : words.msgAttentionOther;
    summary.textContent = `${heading.replace('{count}', String(count))} `
      + errors.map((error) => error.message).join(' ');
    if (first) first.focus();
  }

  async function save(event) {
    event.preventDefault();
    clearErrors();
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const response = await authorizedFetch(app.dataset.endpoint, {
        method: 'POST',
        // The field messages come back in the page's language.
        headers: {
          'Content-Type': 'application/json',
          'Accept-Language': document.documentElement.lang,
        },
        body: JSON.stringify({ query: SAVE, variables: { input: collect() } }),
      });
      if (response.status === 401) {
        summary.textContent = words.msgExpired;
        return;
      }
      const body = await response.json();
      const result = body.data && body.data.saveRules;
      if (!result) {
        summary.textContent = words.msgFailed;
        return;
      }
      if (result.__typename === 'RulesInvalid') {
        showErrors(result.errors);
        return;
      }
      saved.textContent = result.themeUpdated ? words.msgSaved : words.msgSavedStale;
      if (window.shopify && window.shopify.toast) window.shopify.toast.show(words.msgToast);
    } catch (error) {
      summary.textContent = words.msgOffline;
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  function onClick(event) {
    const button = event.target.closest('button');
    if (!button || !form.contains(button)) return;
    const row = button.closest('[data-reason]');
    if (button.hasAttribute('data-add-reason')) {
      const fresh = template.content.firstElementChild.cloneNode(true);
      list.append(fresh);
      renumber();
      fresh.querySelector('[name="code"]').focus();
    } else if (row && button.hasAttribute('data-remove')) {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber();
      (next ? next.querySelector('[name="code"]') : form.querySelector('[data-add-reason]')).focus();
    } else if (row && button.hasAttribute('data-move')) {
      const down = button.dataset.move === '1';
      const other = down ? row.nextElementSibling : row.previousElementSibling;
      if (!other) return;
      if (down) other.after(row);
      else other.before(row);
      renumber();
      button.focus();
    }
  }

  form.addEventListener('submit', save);
  form.addEventListener('click', onClick);
})();
