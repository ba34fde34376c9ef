// <order-cancel-edit> lets the customer fix the order instead of cancelling it (issue 13): it
// holds the dialog's address and size panels, and owns the offers for them in the cancel form
// ([data-instead], shown for the reason they answer, where the shop allows that change), the
// "Edit order" choices ([data-choose]) and the [data-go] buttons that switch panels (the
// quantity panel is <order-cancel-quantity>'s). <order-cancel> calls panel('') when its dialog
// opens, panel('choose') from "Edit order"; this element uses that element's post(), set(), m,
// row, editing and report().
customElements.get('order-cancel-edit') || customElements.define('order-cancel-edit', class extends HTMLElement {
  connectedCallback() {
    const { signal } = (this.ac = new AbortController());
    const on = (el, type, fn) => el.addEventListener(type, fn, { signal });
    const dialog = (this.dialog = this.closest('dialog'));
    this.block = this.closest('order-cancel');
    // A reason may offer a change instead ("REASON TYPE").
    on(dialog, 'change', () => {
      const reason = this.q('[name=reason]:checked', dialog)?.value;
      for (const p of dialog.querySelectorAll('[data-instead]')) {
        const [r, t] = p.dataset.instead.split(' ');
        p.hidden = !(reason == r && this.block.row?.order.editOptions?.types.includes(t));
      }
    });
    for (const b of dialog.querySelectorAll('[data-go]')) on(b, 'click', () => this.panel(b.dataset.go));
    for (const f of this.querySelectorAll('form')) on(f, 'submit', (e) => this.change(e));
  }

  disconnectedCallback() {
    this.ac.abort();
  }

  q(sel, root = this) {
    return root.querySelector(sel);
  }

  // The address ('edit'), size or quantity panel, the changes offered ('choose', "Edit order"),
  // or ('') the cancel form; "Edit order" goes back to 'choose' rather than to the cancel form.
  panel(name) {
    const { dialog, block } = this;
    const edit = this.q('[data-edit]');
    name ||= block.editing ? 'choose' : '';
    const shown = this.q(name ? `[data-${name}]` : 'form', dialog);
    for (const f of dialog.querySelectorAll('form,[data-instead]')) f.hidden = f != shown;
    dialog.setAttribute('aria-labelledby', this.q('h2', shown).id);
    if (!name) return;
    shown.reset();
    this.q('h2', shown).focus();
    if (name == 'choose') return this.choose(shown);
    if (name == 'quantity') return this.q('order-cancel-quantity', dialog)?.open?.();
    if (name == 'size') return this.sizes(shown);
    this.fields({});
    const country = edit.elements.countryCode;
    country.value = block.row.dataset.country || '';
    this.q('[data-field=countryCode]', edit).hidden = !block.row.order.editOptions.countryChange && !!country.value;
  }

  choose(form) {
    const { row, m } = this.block;
    this.q('h2', form).textContent = m.editTitle.replace('%s', row.dataset.name);
    for (const b of form.querySelectorAll('[data-type]')) b.hidden = !row.order.editOptions.types.includes(b.dataset.type);
  }

  async sizes(form) {
    const { block } = this, { m } = block;
    const select = form.elements.choice;
    const say = (t) => block.set('size-problem', t, form);
    select.replaceChildren();
    say('');
    try {
      const { order } = await block.post(
        'query($id:ID!){order(id:$id){editOptions{items{id title variantTitle currencyCode variants{id title price inStock}}}}}',
        { id: block.row.dataset.order },
      );
      for (const i of order.editOptions.items)
        for (const v of i.variants) v.inStock && select.add(new Option(`${i.title}: ${i.variantTitle} → ${v.title} (${v.price} ${i.currencyCode})`, i.id + ' ' + v.id));
      select[0] || say(m.noSizes);
    } catch (e) {
      say(m[e] || m.network);
    }
  }

  fields(errors) {
    const edit = this.q('[data-edit]');
    for (const box of edit.querySelectorAll('[data-field]')) {
      const p = errors[box.dataset.field];
      this.q('input', box).ariaInvalid = p ? 'true' : null;
      this.block.set('error', p ? this.block.m[p] || this.block.m.INVALID : '', box);
    }
    this.q('[aria-invalid=true]', edit)?.focus();
  }

  async change(event) {
    const { block } = this, { row, m } = block;
    const { target: form } = event;
    const size = 'size' in form.dataset;
    const name = size ? 'size' : 'edit';
    event.preventDefault();
    if (form.ariaBusy) return;
    const set = (p, t = '') => { block.set(name + '-progress', p, form); block.set(name + '-problem', t, form); };
    const [lineItemId, variantId] = (form.elements.choice?.value || '').split(' ');
    // The reason picked before changing instead; none from "Edit order".
    const reason = this.q('[name=reason]:checked', this.dialog)?.value ?? null;
    const change = size
      ? { reason, variant: { lineItemId, variantId } }
      : { reason, address: Object.fromEntries([...new FormData(form)].filter(([, v]) => v.trim())) };
    form.ariaBusy = true;
    set(m.saving);
    try {
      const { editOrder: r } = await block.post(
        'mutation($input:EditOrderInput!){editOrder(input:$input){__typename ' +
          '...on EditOrderRefused{code fieldErrors{field problem}}}}',
        { input: { orderId: row.dataset.order, ...change } },
      );
      if (r.code) {
        size || this.fields(Object.fromEntries(r.fieldErrors.map((e) => [e.field, e.problem])));
        return set('', r.code == 'INVALID_ADDRESS' ? m.fix : m[r.code] || m.no);
      }
      block.report(m[size ? 'sized' : 'edited'].replace('%s', row.dataset.name));
    } catch (e) {
      set('', m[e] || m.network);
    } finally {
      form.ariaBusy = null;
    }
  }
});
