# A unit's population (organisation tree) and population tables taken from the units (weighting survey results).

unit-population = Population
unit-population-count = Number of inhabitants
unit-population-help = A whole number, not negative, e.g. 125000 or 125,000; leave empty when unknown.
unit-population-source = Year and source
unit-population-source-example = e.g. Statistical Yearbook 2024
unit-population-unknown = not recorded
unit-error-population = The population must be a whole number, not negative (e.g. 125000 or 125,000).
unit-error-population-large = The population is too large (at most 2,000,000,000).
unit-error-population-source-long = The year and source may not be longer than 200 characters.

population-import-title = Import unit populations
population-import-explain = A CSV file (UTF-8), XLSX or ODS, with column names in the first row: code (the unit's code), population (the number of inhabitants), and optionally source or year (year and source of the figure). Every unit must already be in the organisation tree and within the units you manage. The file is imported only when it has no error at all.
population-import-file = Population file
population-import-no-file = Choose a file.
population-import-done = Read { $rows } rows; { $changed } units had their population updated.
csv-error-unknown-code = there is no unit with code “{ $value }”.

weighting-units-title = Take the population from the units
weighting-units-help = Choose a single-choice question whose choices are units under { $unit }: a choice matches a unit when the choice's name is the unit's code, or when its label is the unit's name (ignoring upper and lower case). The table takes the population recorded on each unit.
weighting-units-no-question = The questionnaire has no single-choice question.
weighting-units-question = Question whose choices are units
weighting-units-name = Table name (empty: named after the question)
weighting-units-add = Build the table from the units' populations
weighting-units-default-name = Population of the units by “{ $question }”
weighting-units-origin = Taken from the units' populations
weighting-units-origin-note = Taken from the units' populations, year/source: { $note }
weighting-units-error-question = “{ $value }” is not a single-choice question of the questionnaire.
weighting-units-error-no-unit = Choice { $choice } matches no current unit under { $unit } (by code or name).
weighting-units-error-ambiguous = Choice { $choice } matches several units of that name: { $units }; make the choice's name the unit's code.
weighting-units-error-no-population = Unit { $unit } has no population (choice { $choice }); enter it on the unit's edit page or import populations from a file.
weighting-units-error-same-unit = Choices { $first } and { $second } both match unit { $unit }.
