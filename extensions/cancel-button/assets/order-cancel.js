// <order-cancel> enhances the block's markup: rows with data-order are checked in ONE request
// to the app proxy; every string comes from its <template data-messages>.
customElements.get('order-cancel') || customElements.define('order-cancel', class extends HTMLElement {
  connectedCallback() {
    const { signal } = (this.ac = new AbortController());
    const on = (el, type, fn) => el.addEventListener(type, fn, { signal });
    const dialog = (this.dialog = this.q('dialog'));
    this.m = {};
    for (const p of this.q('[data-messages]').content.children) this.m[p.dataset.m] = p.textContent;
    on(this.q('[data-retry]'), 'click', () => this.check());
    for (const b of this.querySelectorAll('[data-open]')) on(b, 'click', () => this.open(b));
    for (const b of this.querySelectorAll('[data-buy]')) on(b, 'click', () => this.buy(b));
    on(dialog, 'input', (e) => e.target.dataset.id && this.load());
    for (const b of this.querySelectorAll('[data-withdraw]')) on(b, 'click', () => this.withdraw(b));
    on(dialog, 'submit', (e) => this.submit(e));
    // The form fills the dialog: a click on the dialog itself is on its backdrop.
    on(dialog, 'click', (e) => e.target == dialog && dialog.close());
    on(dialog, 'close', () => this.row && this.refocus(this.row));
    // A reason may offer a change instead ("REASON TYPE"), where the shop allows it.
    on(dialog, 'change', () => {
      const reason = this.q('[name=reason]:checked', dialog)?.value;
      for (const p of this.querySelectorAll('[data-instead]')) {
        const [r, t] = p.dataset.instead.split(' ');
        p.hidden = !(reason == r && this.row.order.editOptions?.types.includes(t));
      }
    });
    for (const b of this.querySelectorAll('[data-go]')) on(b, 'click', () => this.panel(b.dataset.go));
    for (const f of this.querySelectorAll('[data-edit],[data-size]')) on(f, 'submit', (e) => this.change(e));
    this.check();
  }

  disconnectedCallback() {
    this.ac.abort();
  }

  q(sel, root = this) {
    return root.querySelector(sel);
  }

  set(name, text, root) {
    this.q(`[data-${name}]`, root).textContent = text;
  }

  // To the button if still offered, else to the words that replaced it.
  refocus(root) {
    (this.q('[data-open]:not([hidden])', root) || this.q('[data-info]', root)).focus();
  }

  // Throws a message's name; anything else thrown is the network failing.
  async post(query, variables) {
    const res = await fetch(this.dataset.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: this.ac.signal,
    });
    const { data } = await res.json().catch(() => ({}));
    if (res.ok && data) return data;
    throw res.status == 429 ? 'rateLimited' : 'network';
  }

  async check() {
    const rows = [...this.querySelectorAll('[data-order]')];
    const retry = this.q('[data-retry]');
    const info = (text) => rows.forEach((row) => this.set('info', text, row));
    if (!rows[0]) return;
    this.ariaBusy = true;
    this.set('alert', '');
    info(this.m.checking);
    try {
      const { orders } = await this.post(
        'query($ids:[ID!]!,$locale:String){orders(ids:$ids){id cancellable blockedBy deadline status' +
          ' request{state requestedAt message} reasons(locale:$locale){code label} editOptions{types countryChange}}}',
        { ids: rows.map((row) => row.dataset.order), locale: this.dataset.locale },
      );
      rows.forEach((row) => this.show(row, orders.find((o) => o.id == row.dataset.order)));
      document.activeElement == retry && this.refocus(this); // before it hides
      retry.hidden = true;
    } catch (e) {
      info('');
      this.set('alert', this.m[e] || this.m.network);
      retry.hidden = false;
    }
    this.ariaBusy = null;
  }

  why(code) {
    return ('explain' in this.dataset && this.m[code]) || this.m.no;
  }

  show(row, order) {
    const { m } = this;
    const can = order?.cancellable && order.status == 'NONE';
    const req = order?.request;
    row.order = order;
    this.q('[data-open]', row).hidden = !can;
    this.q('[data-withdraw]', row).hidden = order?.status != 'REQUESTED';
    this.set('info',
      !order ? this.why('NOT_FOUND')
      : order.status == 'CANCELLED' ? m.cancelled
      : order.status == 'PENDING' ? m.pending
      : order.status == 'REQUESTED' ? m.requested.replace('%s', this.time(req.requestedAt))
      : req?.state == 'DECLINED' ? req.message || m.DECLINED_BY_SHOP
      : !can ? this.why(order.blockedBy)
      : order.deadline ? m.deadline.replace('%s', this.time(order.deadline))
      : m.cancellable, row);
  }

  // "14:32" today, else "3 Dec 2026, 14:32", in the customer's language.
  time(iso) {
    const date = new Date(iso);
    const today = date.toDateString() == new Date().toDateString();
    const style = { dateStyle: today ? undefined : 'medium', timeStyle: 'short' };
    return date.toLocaleString(this.dataset.locale || [], style);
  }

  open(opener) {
    const { m, dialog } = this;
    const row = (this.row = opener.closest('[data-order]'));
    const { reasons } = row.order;
    const radio = this.q('template', dialog).content.firstChild;
    // The merchant's pick, in the merchant's order, of the reasons the app accepts.
    const picked = this.dataset.reasonCodes.split(',').flatMap((c) => reasons.filter((r) => r.code == c));
    this.q('form').reset();
    this.q('h2', dialog).textContent = m.title.replace('%s', row.dataset.name);
    this.q('[data-reasons]').replaceChildren(...(picked[0] ? picked : reasons).map(({ code, label }) => {
      const item = radio.cloneNode(true);
      item.firstChild.value = code;
      item.append(m['reason.' + code] || label);
      return item;
    }));
    this.say('');
    this.q('[data-items]').hidden = true;
    this.q('[data-lines]').replaceChildren();
    this.set('refund', '');
    this.panel('');
    dialog.showModal();
    this.load(1);
  }

  // Chosen quantities; null when every unit left is chosen: that is the whole order.
  picks() {
    const inputs = [...this.querySelectorAll('[data-lines] input')];
    return inputs.every((i) => +i.value >= +i.dataset.qty) ? null
      : inputs.filter((i) => +i.value > 0).map((i) => ({ lineItemId: i.dataset.id, quantity: +i.value }));
  }

  money(x, currency) {
    return new Intl.NumberFormat(this.dataset.locale || [], { style: 'currency', currency }).format(x.amount);
  }

  // The items to choose (first time) and what cancelling gives back, fee included.
  async load(first) {
    const { row, m } = this, lines = first ? null : this.picks();
    try {
      const { order: o } = await this.post(
        'query($id:ID!,$lines:[LineItemQuantityInput!]!){order(id:$id){partialCancel lineItems{id title quantity cancellableQuantity}' +
          'refund{refund{amount currencyCode}total{amount}fee{amount}}preview(lineItems:$lines){refund{amount currencyCode}total{amount}fee{amount}}}}',
        { id: row.dataset.order, lines: lines || [] },
      );
      if (first && o.partialCancel) {
        const line = this.q('[data-items] template').content.firstChild;
        this.q('[data-lines]').replaceChildren(...o.lineItems.map((l) => {
          const item = line.cloneNode(true), input = item.firstChild;
          Object.assign(input, { value: l.cancellableQuantity, max: l.cancellableQuantity, disabled: !l.cancellableQuantity });
          Object.assign(input.dataset, { id: l.id, qty: l.quantity });
          item.lastChild.textContent = `${l.title} (${l.quantity})`;
          return item;
        }));
        this.q('[data-items]').hidden = false;
      }
      const p = (lines && o.preview) || o.refund, f = (x) => this.money(x, p.refund.currencyCode);
      this.set('refund', m.refund.replace('%r', f(p.refund)).replace('%t', f(p.total)) +
        (+p.fee.amount ? ' ' + m.fee.replace('%f', f(p.fee)) : ''));
    } catch {
      this.set('refund', '');
    }
  }

  // The address ('edit') or size panel, or ('') the cancel form.
  panel(name) {
    const { dialog, row } = this;
    const edit = (this.edit = this.q('[data-edit]'));
    const shown = this.q(name ? `[data-${name}]` : 'form');
    for (const f of dialog.querySelectorAll('form,[data-instead]')) f.hidden = f != shown;
    dialog.setAttribute('aria-labelledby', this.q('h2', shown).id);
    if (!name) return;
    shown.reset();
    this.q('h2', shown).focus();
    if (name == 'size') return this.sizes(shown);
    this.fields({});
    const country = edit.elements.countryCode;
    country.value = row.dataset.country || '';
    this.q('[data-field=countryCode]', edit).hidden = !row.order.editOptions.countryChange && !!country.value;
  }

  async sizes(form) {
    const { m } = this;
    const select = form.elements.choice;
    const say = (t) => this.set('size-problem', t, form);
    select.replaceChildren();
    say('');
    try {
      const { order } = await this.post(
        'query($id:ID!){order(id:$id){editOptions{items{id title variantTitle currencyCode variants{id title price inStock}}}}}',
        { id: this.row.dataset.order },
      );
      for (const i of order.editOptions.items)
        for (const v of i.variants) v.inStock && select.add(new Option(`${i.title}: ${i.variantTitle} → ${v.title} (${v.price} ${i.currencyCode})`, i.id + ' ' + v.id));
      select[0] || say(m.noSizes);
    } catch (e) {
      say(m[e] || m.network);
    }
  }

  fields(errors) {
    for (const box of this.edit.querySelectorAll('[data-field]')) {
      const p = errors[box.dataset.field];
      this.q('input', box).ariaInvalid = p ? 'true' : null;
      this.set('error', p ? this.m[p] || this.m.INVALID : '', box);
    }
    this.q('[aria-invalid=true]', this.edit)?.focus();
  }

  async change(event) {
    const { row, m } = this;
    const { target: form } = event;
    const size = 'size' in form.dataset;
    const name = size ? 'size' : 'edit';
    event.preventDefault();
    if (form.ariaBusy) return;
    const set = (p, t = '') => { this.set(name + '-progress', p); this.set(name + '-problem', t); };
    const [lineItemId, variantId] = (form.elements.choice?.value || '').split(' ');
    const change = size
      ? { reason: 'WRONG_SIZE_OR_COLOUR', variant: { lineItemId, variantId } }
      : { reason: 'WRONG_ADDRESS', address: Object.fromEntries([...new FormData(form)].filter(([, v]) => v.trim())) };
    form.ariaBusy = true;
    set(m.saving);
    try {
      const { editOrder: r } = await this.post(
        'mutation($input:EditOrderInput!){editOrder(input:$input){__typename ' +
          '...on EditOrderRefused{code fieldErrors{field problem}}}}',
        { input: { orderId: row.dataset.order, ...change } },
      );
      if (r.code) {
        size || this.fields(Object.fromEntries(r.fieldErrors.map((e) => [e.field, e.problem])));
        return set('', r.code == 'INVALID_ADDRESS' ? m.fix : m[r.code] || m.no);
      }
      const text = m[size ? 'sized' : 'edited'].replace('%s', row.dataset.name);
      this.set('info', text, row);
      this.dialog.close();
      this.set('status', text);
    } catch (e) {
      set('', m[e] || m.network);
    } finally {
      form.ariaBusy = null;
    }
  }

  say(progress, problem = '') {
    this.set('progress', progress);
    this.set('problem', problem);
  }

  async submit(event) {
    const { row, m } = this;
    const { target: form, submitter: button } = event;
    if (button.value != 'cancel' || !row) return; // "Keep my order" closes the dialog itself.
    event.preventDefault();
    if (form.ariaBusy) return;
    form.ariaBusy = button.ariaDisabled = true;
    this.say(m.cancelling);
    try {
      const { cancelOrder: { code, order, refunded, requestedAt } } = await this.post(
        'mutation($input:CancelOrderInput!){cancelOrder(input:$input){' +
          '...on CancelOrderSuccess{order{status}refunded{amount currencyCode}}...on CancelOrderRequested{requestedAt}' +
          '...on CancelOrderRefused{code}}}',
        { input: { orderId: row.dataset.order, ...Object.fromEntries(new FormData(form)), lineItems: this.picks() } },
      );
      // These the customer can fix or retry; any other answer is final.
      if (/^(TRY_AGAIN|INVALID_)/.test(code)) return this.say('', m[code]);
      if (refunded) {
        // Some items went: the rest of the order stays, and may still be cancelled.
        const text = m.doneItems.replace('%r', this.money(refunded, refunded.currencyCode));
        this.dialog.close();
        await this.check();
        this.set('info', text, row);
        return this.set('status', text);
      }
      const done = order && m[order.status == 'CANCELLED' ? 'done' : 'donePending'];
      const payment = this.q('[data-payment]', row)?.textContent ?? '';
      const text = requestedAt ? m.requested.replace('%s', this.time(requestedAt))
        : done ? `${done.replace('%s', row.dataset.name)} ${payment}` : this.why(code);
      this.q('[data-open]', row).hidden = true;
      this.q('[data-withdraw]', row).hidden = !requestedAt;
      this.set('info', text, row);
      this.dialog.close();
      this.set(done || requestedAt ? 'status' : 'alert', text);
    } catch (e) {
      this.say('', m[e] || m.network);
    } finally {
      form.ariaBusy = button.ariaDisabled = null;
    }
  }

  // "Buy again": the app's cart link with the items still for sale; those gone are named first.
  async buy(b) {
    const { m } = this;
    if (b.dataset.url) return location.assign(b.dataset.url);
    try {
      const { order: o } = await this.post(
        'query($id:ID!){order(id:$id){buyAgainUrl buyAgainUnavailable}}', { id: b.dataset.buy });
      const gone = o?.buyAgainUnavailable || [];
      if (!o?.buyAgainUrl) return this.set('alert', m.none);
      if (!gone[0]) return location.assign(o.buyAgainUrl);
      b.dataset.url = o.buyAgainUrl;
      this.set('info', m.unavailable.replace('%s', gone.join(', ')), b.closest('[data-buy-row]'));
    } catch (e) {
      this.set('alert', m[e] || m.network);
    }
  }

  // The customer takes their request back; the row then shows what the app says now.
  async withdraw(button) {
    const row = button.closest('[data-order]');
    button.ariaDisabled = true;
    try {
      const { withdrawCancelRequest: { code } } = await this.post(
        'mutation($input:WithdrawCancelRequestInput!){withdrawCancelRequest(input:$input){' +
          '...on CancelOrderRefused{code}}}',
        { input: { orderId: row.dataset.order } },
      );
      this.set('status', code ? this.why(code) : this.m.withdrawn);
    } catch (e) {
      this.set('alert', this.m[e] || this.m.network);
    }
    button.ariaDisabled = null;
    await this.check();
    this.refocus(row);
  }
});
