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
briefings-sessions-title = Training, the year's plan
briefings-sessions-not-built = Training courses and their coverage are on the Training page; the yearly work plan on the Yearly plans page.
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
briefings-sessions-list = Briefing sessions
briefings-sessions-open = Briefing calendar: schedule, invite, replies, attendance, minutes
briefings-sessions-intro = The unit's collaborator briefings: schedule, invitations and replies, attendance by collaborator code, minutes, and the opinions raised as opinion streams.
briefings-sessions-none = No briefing sessions yet.
briefings-schedule-title = Schedule a briefing
briefings-error-summary-session = Not scheduled: correct the marked fields.
briefings-session-topic = Topic
briefings-session-starts = When
briefings-session-place = Place
briefings-session-link = Online meeting link
briefings-session-agenda = Agenda
briefings-session-monthly = Held every month
briefings-schedule = Schedule and send invitations
briefings-status = Status
briefings-status-scheduled = Scheduled
briefings-status-held = Held
briefings-status-cancelled = Cancelled
briefings-reply-pending = No reply
briefings-reply-attend = Attending
briefings-reply-excused = Excused
briefings-my-reply = Your reply:
briefings-invitations = Invitations
briefings-reply-counts = { $attend } attending · { $excused } excused · { $pending } no reply
briefings-attendance = Attendance and minutes
briefings-attendance-tick = Collaborators present
briefings-attendance-typed = Other collaborator codes (separated by commas)
briefings-minutes = Minutes
briefings-record-held = Record as held
briefings-cancel = Cancel the briefing
briefings-attended = { $n } collaborators attended.
briefings-minutes-save = Save minutes
briefings-raised = Opinions raised at the briefing
briefings-raised-intro = Each opinion becomes an opinion stream of the unit for the month (a draft), which the unit adds to its monthly report like any other. Nobody who raised it is named.
briefings-raised-topic = Topic
briefings-raised-summary = The opinion
briefings-raised-direction = Direction
briefings-raised-confirm = I confirm the text is not about a particular person.
briefings-raised-add = Add as an opinion stream
briefings-next-link = Next month's briefing
briefings-next = Schedule next month's
briefings-flash-scheduled = Scheduled, and invitations sent.
briefings-flash-replied = Your reply is recorded.
briefings-flash-held = The briefing and who attended are recorded.
briefings-flash-minutes = Minutes saved.
briefings-flash-stream = Opinion stream added.
briefings-flash-next = Next month's briefing scheduled, and invitations sent.
briefings-flash-cancelled = The briefing is cancelled.
briefings-error-session-title = The topic needs at least 3 characters.
briefings-error-place = Give a place or an online meeting link.
briefings-error-link = A link starts with https:// or http:// and has no spaces.
briefings-error-starts = Give the day and time (year-month-day hour:minute), within a year back and two years ahead.
briefings-error-not-scheduled = This briefing is no longer scheduled.
briefings-error-next-exists = Next month's briefing is scheduled already.
briefings-error-reply = Choose attending or excused.
briefings-error-future = The day has not come: only a briefing that took place is recorded.
briefings-error-not-held = Opinions are recorded for a briefing that was held.
briefings-error-not-monthly = This briefing is not a monthly one.
briefings-invite-subject = [duluan] Briefing invitation: { $title }, { $when }
briefings-invite-body =
    You are invited to the briefing: { $title }
    When: { $when }
    Where: { $place }
    Online: { $online }

    { $agenda }

    Reply attending or excused at: { $link }
briefings-attendance-link = Record a briefing already held and who attended
briefings-session-past-hint = Already held? Type the day and hour it was held: nobody is sent an invitation, and you take attendance on the session's page.
briefings-flash-recorded = The briefing already held is recorded (no invitations sent). Take attendance below.
briefings-guests = Collaborators invited by e-mail
briefings-guests-none = No collaborator was invited by e-mail (only before the session, those with an e-mail address on record).
briefings-attendees = Present
briefings-attendance-correct = Correct attendance
briefings-attendance-save = Save attendance
briefings-flash-attendance = Attendance corrected.
briefings-guest-unknown = Invitation not found
briefings-guest-unknown-body = This reply link is wrong or no longer valid. If you were invited, contact the unit that sent the invitation.
