# R's ETS prediction intervals under the rolling-origin protocol of ../shared/bench/ACCURACY.md (the
# origins of ../shared/bench/baselines.R): for origin k = 0..K-1 the model sees y[1..n-h-k*step] and
# forecasts the next h points with 80% and 95% intervals (for m > 24, stlf with ETS stands in, as
# in baselines.R). bench/intervals.js sets rnnfc's intervals beside these.
#
# usage (from the manifest's folder): Rscript bench/ets-intervals.R manifest.json out.json [K]
suppressMessages({library(forecast); library(jsonlite)})
args <- commandArgs(TRUE); manifest <- fromJSON(args[1]); out <- args[2]; K <- if (length(args) > 2) as.integer(args[3]) else 3
res <- list()
for (i in seq_len(nrow(manifest))) {
  s <- manifest[i, ]; d <- read.csv(s$file); y <- d[[s$target]]
  if (anyNA(y)) y <- as.numeric(na.interp(ts(y, frequency = max(1, s$m))))
  n <- length(y); h <- s$h; m <- s$m; step <- ceiling(h / 2)
  origins <- list()
  for (k in 0:(K - 1)) {
    end <- n - h - k * step
    train <- ts(y[1:end], frequency = m)
    set.seed(42)
    fc <- if (m <= 24) forecast(ets(train), h, level = c(80, 95)) else stlf(train, h, level = c(80, 95))
    origins[[k + 1]] <- list(train_end = end, test = y[(end + 1):(end + h)], mean = as.numeric(fc$mean),
      lower_80 = as.numeric(fc$lower[, 1]), upper_80 = as.numeric(fc$upper[, 1]),
      lower_95 = as.numeric(fc$lower[, 2]), upper_95 = as.numeric(fc$upper[, 2]))
  }
  res[[s$name]] <- list(m = m, h = h, step = step, n = n, origins = origins)
  cat(sprintf("%-15s m=%-3d h=%-3d\n", s$name, m, h))
}
write(toJSON(res, auto_unbox = TRUE, digits = 8, pretty = TRUE), out)
