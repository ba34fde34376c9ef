/* <order-withdraw>: the EU withdrawal function on the customer account pages (issue 15).
   Shows each order's "withdraw from contract here" while the app says the right lasts, then the
   two steps: the statement, "confirm withdrawal", and the acknowledgement to keep. */
if (!customElements.get('order-withdraw')) {
  const OFFERED = 'query($ids:[ID!]!){orders(ids:$ids){id withdrawal{available until}}}';
  const WITHDRAW = 'mutation($input:WithdrawInput!){withdrawFromContract(input:$input){'
    + '__typename ...on WithdrawalReview{confirmation}'
    + ' ...on WithdrawalReceived{acknowledgement} ...on WithdrawRefused{code}}}';

  class OrderWithdraw extends HTMLElement {
    connectedCallback() {
      this.words = this.querySelector('[data-words]').dataset;
      this.statement = this.querySelector('[data-statement]');
      this.review = this.querySelector('[data-review]');
      this.received = this.querySelector('[data-received]');
      this.alert = this.querySelector('[data-alert]');
      this.onClick = this.handleClick.bind(this);
      this.onSubmit = this.handleSubmit.bind(this);
      this.addEventListener('click', this.onClick);
      this.addEventListener('submit', this.onSubmit);
      this.offer();
    }

    disconnectedCallback() {
      this.removeEventListener('click', this.onClick);
      this.removeEventListener('submit', this.onSubmit);
      if (this.fileUrl) URL.revokeObjectURL(this.fileUrl);
    }

    async post(query, variables) {
      const response = await fetch(this.dataset.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      if (!response.ok) throw new Error(String(response.status));
      const body = await response.json();
      if (!body.data) throw new Error('no data');
      return body.data;
    }

    async offer() {
      const rows = Array.from(this.querySelectorAll('[data-order]'));
      if (!rows.length) return;
      let orders = [];
      try {
        orders = (await this.post(OFFERED, { ids: rows.map((row) => row.dataset.order) })).orders;
      } catch (error) {
        return;
      }
      const format = new Intl.DateTimeFormat(this.dataset.locale || undefined, { dateStyle: 'long' });
      for (const order of orders) {
        const row = rows.find((r) => r.dataset.order === order.id);
        if (!row || !order.withdrawal.available) continue;
        row.hidden = false;
        if (order.withdrawal.until) {
          row.querySelector('[data-until]').textContent = this.words.until.replace(
            '[date]', format.format(new Date(order.withdrawal.until)),
          );
        }
      }
    }

    show(step) {
      for (const section of [this.statement, this.review, this.received]) {
        section.hidden = section !== step;
      }
      this.alert.textContent = '';
      if (step) step.querySelector('h2').focus();
    }

    handleClick(event) {
      const target = event.target.closest('button');
      if (!target) return;
      if (target.hasAttribute('data-open')) {
        this.row = target.closest('[data-order]');
        this.opener = target;
        this.statement.querySelector('[data-order-line]').textContent = this.row.dataset.name;
        const fields = this.statement.elements;
        if (!fields.name.value) fields.name.value = this.dataset.name || '';
        if (!fields.email.value) fields.email.value = this.dataset.email || '';
        this.show(this.statement);
      } else if (target.hasAttribute('data-close')) {
        this.show(null);
        if (this.opener) this.opener.focus();
      } else if (target.hasAttribute('data-edit')) {
        this.show(this.statement);
      } else if (target.hasAttribute('data-confirm')) {
        this.send('CONFIRM', target);
      }
    }

    handleSubmit(event) {
      if (event.target !== this.statement) return;
      event.preventDefault();
      this.send('STATEMENT', this.statement.querySelector('[type="submit"]'));
    }

    async send(step, button) {
      const fields = this.statement.elements;
      const input = {
        step,
        orderId: this.row.dataset.order,
        name: fields.name.value,
        email: fields.email.value,
        locale: this.dataset.locale || null,
      };
      if (step === 'CONFIRM') input.confirmation = this.confirmation;
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      this.querySelector('[data-status]').textContent = this.words.busy;
      let result;
      try {
        result = (await this.post(WITHDRAW, { input })).withdrawFromContract;
      } catch (error) {
        result = { __typename: 'WithdrawRefused', code: 'FAILED' };
      } finally {
        button.disabled = false;
        button.removeAttribute('aria-busy');
        this.querySelector('[data-status]').textContent = '';
      }
      if (result.__typename === 'WithdrawalReview') {
        this.confirmation = result.confirmation;
        this.review.querySelector('[data-show="name"]').textContent = input.name;
        this.review.querySelector('[data-show="order"]').textContent = this.row.dataset.name;
        this.review.querySelector('[data-show="email"]').textContent = input.email;
        this.show(this.review);
      } else if (result.__typename === 'WithdrawalReceived') {
        this.received.querySelector('[data-acknowledgement]').textContent = result.acknowledgement;
        const file = new Blob([result.acknowledgement], { type: 'text/plain;charset=utf-8' });
        this.fileUrl = URL.createObjectURL(file);
        this.received.querySelector('[data-download]').href = this.fileUrl;
        this.row.querySelector('[data-open]').hidden = true;
        this.show(this.received);
      } else {
        const words = this.words[String(result.code).toLowerCase()] || this.words.failed;
        this.alert.textContent = words;
      }
    }
  }

  customElements.define('order-withdraw', OrderWithdraw);
}
