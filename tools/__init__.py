"""Development tools that are not part of the product: the browser harness shared by the browser
tests and the screenshot tool (`python -m tools.screenshots`)."""
