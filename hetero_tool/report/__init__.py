"""Reports of a plan and its timings: HETERO's own ``.dot`` dumps, the tool's views and renders, the HTML
page, the Model Explorer export and benchmark_app's report files."""
