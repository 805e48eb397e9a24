# Series from R's `datasets` and `forecast` packages, written as CSV with a manifest in the format
# of ../shared/bench/manifest.json, for checking that the config-less defaults generalise beyond
# the shipped series: set `short` (default), sixteen short and medium series; set `long`, ten
# longer or harder ones (two stock indices' daily closes as an integer index, a daily temperature
# with calendar dates, monthly gas production, long yearly series, a quarterly series with
# missing values); set `tiny`, ten short series or short beginnings of series; set `holdout`, twenty
# series never used to choose the defaults. The statistical baselines for them come from ../shared/bench/baselines.R.
# From the repository root:
#   Rscript bench/r-series.R /tmp/r-series [short|long|tiny|holdout]
#   (cd /tmp/r-series && Rscript "$OLDPWD/../shared/bench/baselines.R" manifest.json baselines.json 3)
#   node bench/accuracy.js --manifest /tmp/r-series/manifest.json --baselines /tmp/r-series/baselines.json
# Needs r-base-core, r-cran-forecast and r-cran-jsonlite (Debian), and for `holdout` r-cran-aer and
# r-cran-tseries; rnnfc itself does not.
suppressMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "r-series"
set <- if (length(args) >= 2) args[2] else "short"
dir.create(file.path(dir, "datasets"), recursive = TRUE, showWarnings = FALSE)

# time column: YYYY-MM for monthly, the quarter's first day for quarterly, YYYY-01-01 for yearly,
# an integer index otherwise; m is the frequency for those three, else 1
out <- function(name, y, h) {
  f <- frequency(y)
  tt <- time(y)
  yr <- floor(tt + 1e-9)
  per <- round((tt - yr) * f) + 1
  ts <- if (f == 12) sprintf("%04d-%02d", yr, per)
        else if (f == 4) sprintf("%04d-%02d-01", yr, (per - 1) * 3 + 1)
        else if (f == 1) sprintf("%04d-01-01", yr)
        else seq_along(y)
  file <- sprintf("datasets/%s.csv", name)
  write.csv(data.frame(time = ts, value = as.numeric(y)), file.path(dir, file), row.names = FALSE, quote = FALSE, na = "")
  list(name = name, file = file, target = "value", m = if (f %in% c(1, 4, 12)) f else 1, h = h)
}

short <- function() list(
  out("nile", Nile, 6), out("lakehuron", LakeHuron, 6), out("lynx", lynx, 6), out("nhtemp", nhtemp, 6),
  out("airmiles", airmiles, 4), out("wwwusage", WWWusage, 10),
  out("ukgas", UKgas, 8), out("jj", JohnsonJohnson, 8), out("austres", austres, 8), out("woolyrnq", woolyrnq, 8),
  out("usaccdeaths", USAccDeaths, 18), out("ldeaths", ldeaths, 18), out("nottem", nottem, 18),
  out("ukdriverdeaths", UKDriverDeaths, 18), out("wineind", wineind, 18), out("uspop", uspop, 2)
)

long <- function() {
  # daily maximum temperature, New York, May-September 1973, with calendar dates
  temp <- data.frame(time = format(as.Date("1973-05-01") + seq_len(nrow(airquality)) - 1), value = airquality$Temp)
  write.csv(temp, file.path(dir, "datasets/nytemp.csv"), row.names = FALSE, quote = FALSE)
  list(
    out("gas", gas, 18), out("seatbelts-front", Seatbelts[, "front"], 18),
    out("dax", EuStockMarkets[, "DAX"], 14), out("ftse", EuStockMarkets[, "FTSE"], 14),
    # treering starts in 6000 BC: written as years 1..7980 (the dates only carry the frequency)
    out("sunspot-year", sunspot.year, 10), out("treering", ts(as.numeric(treering)), 10), out("bjsales", BJsales, 10),
    out("discoveries", discoveries, 6), out("presidents", presidents, 8),
    list(name = "nytemp", file = "datasets/nytemp.csv", target = "value", m = 1, h = 14)
  )
}

# short series at the edge of what the rolling origins leave (M4's shortest yearly, quarterly and
# monthly series have 19, 24 and 60 rows with their horizons): the earliest origin sees as few as
# 4 rows (longley-gnp), fewer than one window of the whole horizon
tiny <- function() list(
  out("longley-gnp", ts(longley$GNP, start = 1947), 6), out("nile19", window(Nile, end = 1889), 6),
  out("lh", lh, 8), out("freeny", freeny.y, 8), out("ukgas24", window(UKgas, end = c(1965, 4)), 8),
  out("jj24", window(JohnsonJohnson, end = c(1965, 4)), 8), out("airline60", window(AirPassengers, end = c(1953, 12)), 18),
  out("wineind60", window(wineind, end = c(1984, 12)), 18), out("mdeaths", mdeaths, 18), out("fdeaths", fdeaths, 18)
)

# twenty series kept apart from all tuning of the defaults (first measured with the defaults as
# they stood): monthly, quarterly, yearly and daily series from the datasets, AER and tseries
# packages, one with missing values and calendar dates (daily ozone), one at 10-minute intervals
holdout <- function() {
  suppressMessages({ library(AER); library(tseries) })
  data("DutchSales", "PepperPrice", "FrozenJuice", "UKNonDurables", "GermanUnemployment", "USProdIndex",
       "UKInflation", "ChinaIncome", package = "AER", envir = environment())
  data("nino", "NelPlo", "bev", "ice.river", "USeconomic", package = "tseries", envir = environment())
  daily <- function(name, start, y, h) {
    write.csv(data.frame(time = format(as.Date(start) + seq_along(y) - 1), value = y),
              file.path(dir, sprintf("datasets/%s.csv", name)), row.names = FALSE, quote = FALSE, na = "")
    list(name = name, file = sprintf("datasets/%s.csv", name), target = "value", m = 1, h = h)
  }
  list(
    out("dutchsales", DutchSales, 18), out("pepper-black", PepperPrice[, "black"], 18),
    out("frozenjuice", FrozenJuice[, "price"], 18), out("nino34", nino3.4, 18),
    out("seatbelts-rear", Seatbelts[, "rear"], 18), out("seatbelts-kms", Seatbelts[, "kms"], 18),
    out("uknondurables", UKNonDurables, 8), out("german-unemp", GermanUnemployment[, "unadjusted"], 8),
    out("usprod", USProdIndex[, "unadjusted"], 8), out("ukinflation", UKInflation[, "actual"], 8),
    out("us-m1", USeconomic[, "log(M1)"], 8),
    out("china-industry", ChinaIncome[, "industry"], 6), out("nelplo-cpi", cpi, 6), out("nelplo-ip", ip, 6),
    out("gnp-capita", gnp.capita, 6), out("bev", bev, 6),
    out("cac", EuStockMarkets[, "CAC"], 14), out("ice-flow", ts(as.numeric(ice.river[, "flow.vat"])), 14),
    daily("ozone", "1973-05-01", airquality$Ozone, 14), out("beaver2", ts(beaver2$temp), 6)
  )
}

m <- if (set == "long") long() else if (set == "tiny") tiny() else if (set == "holdout") holdout() else short()
jsonlite::write_json(m, file.path(dir, "manifest.json"), auto_unbox = TRUE, pretty = TRUE)
cat(sprintf("wrote %d series and manifest.json to %s\n", length(m), dir))
