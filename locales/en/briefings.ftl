# Briefings, orientation (src/briefings).
briefings-title = Briefings, orientation
briefings-intro = Orientation information sent to the network of collaborators: each reads it on a phone or a computer, and the sender knows who has read it.
briefings-received-title = Orientation received
briefings-received-none = No orientation received yet.
briefings-unread = { $n } unread
briefings-new-badge = new
briefings-sent-title = Sent
briefings-sent-none = No orientation sent yet.
briefings-new-title = Send orientation
briefings-new-intro = Sent once to everyone of the chosen audience within the unit; those with an e-mail address also get a message. When a recipient opens it, the sender knows they have read it.
briefings-unit = Unit
briefings-audience = Send to
briefings-audience-collaborators = Collaborators
briefings-audience-network = Collaborators and the units' reporters
briefings-field-title = Title
briefings-field-body = Message
briefings-field-facts = Key facts
briefings-field-facts-help = One per line.
briefings-field-points = What to say
briefings-field-hotspot = About the hot spot
briefings-send = Send
briefings-flash-sent = Orientation sent.
briefings-about-hotspot = About the hot spot:
briefings-receipts-title = Who has read it
briefings-receipts = { $read }/{ $total } have read it
briefings-not-read = { $n } have not
briefings-col-read = Read
briefings-unread-people = Not read yet
briefings-sessions-title = Briefings, training, the year's plan
briefings-sessions-not-built = Briefing sessions with invitations, replies, attendance and minutes, training courses and the yearly work plan are not built yet. Meanwhile a unit records the briefings held and who attended on the collaborators' pages.
briefings-attendance-link = Record a briefing and who attended
briefings-mail-subject = [duluan] Orientation: { $title }
briefings-mail-body =
    { $title }

    { $body }

    Read it all (key facts, what to say) at: { $link }
briefings-error-summary = Not sent: correct the marked fields.
briefings-error-title = The title must not be empty.
briefings-error-title-long = The title is longer than 300 characters.
briefings-error-body = The message must not be empty.
briefings-error-text-long = The text is longer than 8,000 characters.
briefings-error-audience = Choose who receives it.
briefings-error-nobody = Nobody of this audience has an account within the unit yet.
briefings-error-hotspot = This hot spot was not found, or you may not read it.
briefings-error-unit = Choose a unit.
hotspots-orientation-title = Orientation
hotspots-orientation-send = Send orientation about this hot spot
