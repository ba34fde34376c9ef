// <order-cancel-buy-again> wraps the "Buy again" button of a cancelled or delivered order (issue
// 11): it asks the app, through the block's post(), for its cart link with the items still for
// sale and goes there; when some items are gone it names them in the row first, and the next
// click goes on.
customElements.get('order-cancel-buy-again') || customElements.define('order-cancel-buy-again', class extends HTMLElement {
  connectedCallback() {
    const button = this.querySelector('[data-buy]');
    this.ac = new AbortController();
    button.addEventListener('click', () => this.buy(button), { signal: this.ac.signal });
  }

  disconnectedCallback() {
    this.ac.abort();
  }

  async buy(b) {
    const block = this.closest('order-cancel'), { m } = block;
    if (b.dataset.url) return location.assign(b.dataset.url);
    try {
      const { order: o } = await block.post(
        'query($id:ID!){order(id:$id){buyAgainUrl buyAgainUnavailable}}', { id: b.dataset.buy });
      const gone = o?.buyAgainUnavailable || [];
      if (!o?.buyAgainUrl) return block.set('alert', m.none);
      if (!gone[0]) return location.assign(o.buyAgainUrl);
      b.dataset.url = o.buyAgainUrl;
      block.set('info', m.unavailable.replace('%s', gone.join(', ')), b.closest('[data-buy-row]'));
    } catch (e) {
      block.set('alert', m[e] || m.network);
    }
  }
});
