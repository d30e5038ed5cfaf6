// Development only: show Django's error page when an HTMX request fails with a 500.
// Form errors (4xx) are swapped into their target like any answer.
document.addEventListener("htmx:beforeOnLoad", function (event) {
  const xhr = event.detail.xhr;
  if (xhr.status >= 500) {
    event.preventDefault();
    document.documentElement.innerHTML = xhr.response;
  }
});
