// The card form of an invoice: Stripe.js reads the card (its number never reaches the
// portal), turns it into a token, and the form posts that token. If the card's bank asks
// for a 3-D Secure step, Stripe.js shows it and the page then goes back to the invoice.
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") {
    return;
  }
  const stripe = Stripe(form.dataset.publishableKey);
  const errors = document.getElementById("card-errors");
  if (form.dataset.clientSecret) {
    stripe.confirmCardPayment(form.dataset.clientSecret).then(function () {
      window.location.assign(form.dataset.invoiceUrl);
    });
    return;
  }
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", async function (event) {
    if (form.elements.token.value) {
      return; // tokenized already: the form goes to the portal
    }
    event.preventDefault();
    button.disabled = true; // one click, one payment
    errors.textContent = "";
    const result = await stripe.createToken(card);
    if (result.error || !result.token) {
      errors.textContent =
        (result.error && result.error.message) || "The card could not be read. Check it and try again.";
      button.disabled = false;
      return;
    }
    form.elements.token.value = result.token.id;
    form.submit();
  });
});
